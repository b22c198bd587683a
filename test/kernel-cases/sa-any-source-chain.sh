# sa-any-source-chain: output SA choice between an exact-source SA and a newer SA with source ::,
# for two source addresses (4321::1 and 4321::8). The kernel's first search walks the chain of
# hash(dst, src); a ::-source SA in that same chain competes on age there.
# Run: ../shared/oracle/uml-run test/kernel-cases/sa-any-source-chain.sh OUTDIR
set -u
for A in 4321::1 4321::8; do
  echo "==== source $A"
  ip -all netns delete 2>/dev/null
  ip netns add a; ip netns add b
  ip link add eth0 netns a type veth peer name eth0 netns b
  for n in a b; do ip -n $n link set lo up; ip -n $n link set eth0 up; done
  ip -n a addr add $A/64 dev eth0 nodad; ip -n b addr add 4321::2/64 dev eth0 nodad
  mb=$(ip -n b -br link show eth0 | awk '{print $3}')
  ip -n a neigh replace 4321::2 lladdr $mb dev eth0 nud permanent
  ip -n a xfrm policy add src $A dst 4321::2 dir out tmpl proto esp mode transport
  ip -n a xfrm state add src $A dst 4321::2 proto esp spi 1 mode transport enc 'cbc(aes)' 1234567890123456
  sleep 1.1
  ip -n a xfrm state add src :: dst 4321::2 proto esp spi 2 mode transport enc 'cbc(aes)' 1234567890123456
  ip netns exec a tcpdump -n -i eth0 -w /tmp/sa.pcap -U esp 2>/dev/null & cap=$!
  sleep 0.7
  ip netns exec a ping -c 1 -W 1 -I $A 4321::2 >/dev/null 2>&1
  sleep 0.5; kill $cap; wait $cap 2>/dev/null
  tcpdump -n -r /tmp/sa.pcap 2>/dev/null | sed -E 's/^[0-9:.]+ //'
done
