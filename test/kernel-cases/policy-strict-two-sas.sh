# policy-strict-two-sas: xt_policy --dir in --strict with a secpath of two SAs (ESP inside AH, both
# transport). Which element order matches: element 1 = innermost SA (esp), or the reverse?
# Run: ../shared/oracle/uml-run test/kernel-cases/policy-strict-two-sas.sh OUTDIR
set -u
ip netns add a; ip netns add b
ip link add eth0 netns a type veth peer name eth0 netns b
for n in a b; do ip -n $n link set lo up; ip -n $n link set eth0 up; done
ip -n a addr add 4321::1/64 dev eth0 nodad; ip -n b addr add 4321::2/64 dev eth0 nodad
ma=$(ip -n a -br link show eth0 | awk '{print $3}'); mb=$(ip -n b -br link show eth0 | awk '{print $3}')
ip -n a neigh replace 4321::2 lladdr $mb dev eth0 nud permanent
ip -n b neigh replace 4321::1 lladdr $ma dev eth0 nud permanent
ip -n a xfrm policy add src 4321::1 dst 4321::2 dir out tmpl proto esp mode transport tmpl proto ah mode transport
for n in a b; do
  ip -n $n xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x200 mode transport enc 'cbc(aes)' 1234567890123456
  ip -n $n xfrm state add src 4321::1 dst 4321::2 proto ah spi 0x201 mode transport auth 'hmac(sha1)' 1234
done
T="ip netns exec b ip6tables-legacy"
$T -A INPUT -p icmpv6 --icmpv6-type echo-request -m policy --dir in --pol ipsec --strict --proto esp --next --proto ah -m comment --comment "esp-then-ah"
$T -A INPUT -p icmpv6 --icmpv6-type echo-request -m policy --dir in --pol ipsec --strict --proto ah --next --proto esp -m comment --comment "ah-then-esp"
$T -A INPUT -p icmpv6 --icmpv6-type echo-request -m policy --dir in --pol ipsec --proto esp -m comment --comment "any-esp"
$T -A INPUT -p icmpv6 --icmpv6-type echo-request -m policy --dir in --pol ipsec --proto ah -m comment --comment "any-ah"
ip netns exec a ping -c 2 -i 0.2 -W 1 4321::2 | grep -E 'transmitted'
$T -L INPUT -v -n -x
