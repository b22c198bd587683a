# replay-window-100: is a replayed first ESP packet accepted twice when the window (100) does not
# divide 2^32? Compared with window 32. Run: ../shared/oracle/uml-run test/kernel-cases/replay-window-100.sh OUTDIR
set -u
for W in 32 100; do
  echo "==== replay-window $W"
  ip -all netns delete 2>/dev/null
  ip netns add a; ip netns add b
  ip link add eth0 netns a type veth peer name eth0 netns b
  for n in a b; do ip -n $n link set lo up; ip -n $n link set eth0 up; done
  ip -n a addr add 4321::1/64 dev eth0 nodad; ip -n b addr add 4321::2/64 dev eth0 nodad
  ma=$(ip -n a -br link show eth0 | awk '{print $3}'); mb=$(ip -n b -br link show eth0 | awk '{print $3}')
  ip -n a neigh replace 4321::2 lladdr $mb dev eth0 nud permanent
  ip -n b neigh replace 4321::1 lladdr $ma dev eth0 nud permanent
  ip -n a xfrm policy add src 4321::1 dst 4321::2 dir out tmpl src 4321::1 dst 4321::2 proto esp mode transport
  for n in a b; do
    ip -n $n xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x100 mode transport replay-window $W \
      enc 'cbc(aes)' 1234567890123456 auth 'hmac(sha1)' 12345678901234567890
  done
  ip netns exec a tcpdump -n -i eth0 -w /tmp/rw.pcap -U esp 2>/dev/null & cap=$!
  sleep 0.7
  ip netns exec a ping -c 1 -W 1 -I 4321::1 4321::2 >/dev/null 2>&1
  sleep 0.5; kill $cap; wait $cap 2>/dev/null
  echo "captured: $(tcpdump -n -r /tmp/rw.pcap 2>/dev/null | wc -l) ESP packet(s)"
  echo "b before replay: $(ip netns exec b cat /proc/net/xfrm_stat | awk '$2!=0' | tr '\n' ' ')"
  ip netns exec a /usr/bin/python3 -c "
from scapy.all import rdpcap, sendp
sendp(rdpcap('/tmp/rw.pcap')[0], iface='eth0', verbose=False)"
  sleep 0.5
  echo "b after replay of seq 1: $(ip netns exec b cat /proc/net/xfrm_stat | awk '$2!=0' | tr '\n' ' ')"
  ip -n b -s xfrm state | grep -E 'replay-window|replay|packets' | sed 's/^/    /'
done
