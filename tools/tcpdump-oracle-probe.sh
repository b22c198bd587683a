#!/usr/bin/env bash
# Probes tcpdump 4.99.3 on Linux 6.1 for the texts src/shell/tcpdump.ts prints: start banners, end
# counts, device and option errors. Run: oracle/uml-run tools/tcpdump-oracle-probe.sh OUTDIR; the
# output is kept (OUTDIR replaced by $OUT) in test/fixtures/shell/tcpdump/oracle-probe.txt.
set -u
ip netns add a; ip netns add b
ip link add eth0 netns a type veth peer name eth0 netns b
ip -n a link set eth0 up; ip -n b link set eth0 up; ip -n a link set lo up
ip -n a addr add 2001:db8::1/64 dev eth0 nodad; ip -n b addr add 2001:db8::2/64 dev eth0 nodad
echo "== missing device"; ip netns exec a tcpdump -n -i nosuch; echo "rc=$?"
echo "== missing device -w"; ip netns exec a tcpdump -n -i nosuch -w $OUT/x.pcap; echo "rc=$?"
echo "== bad filter live"; ip netns exec a tcpdump -n -i eth0 'host'; echo "rc=$?"
echo "== bad filter live 2"; ip netns exec a tcpdump -n -i eth0 'port 70000'; echo "rc=$?"
echo "== down device"; ip -n a link add dummy0 type dummy 2>/dev/null; ip netns exec a tcpdump -n -i dummy0 -c 1; echo "rc=$?"
echo "== live print"; ip netns exec a tcpdump -n -i eth0 -l > $OUT/live.out 2> $OUT/live.err & P=$!; sleep 2
ip netns exec a ping -c 2 -i 0.3 2001:db8::2 >/dev/null; sleep 1; kill $P; wait $P; echo "rc=$?"; cat $OUT/live.err; cat $OUT/live.out | sed 's/^[0-9:.]* //'
echo "== live -v"; ip netns exec a tcpdump -n -v -i eth0 icmp6 > $OUT/v.out 2> $OUT/v.err & P=$!; sleep 2
ip netns exec a ping -c 1 2001:db8::2 >/dev/null; sleep 1; kill -TERM $P; wait $P; echo "rc=$?"; cat $OUT/v.err
echo "== -c"; ip netns exec a tcpdump -n -i eth0 -c 2 'icmp6' > $OUT/c.out 2> $OUT/c.err & P=$!; sleep 2
ip netns exec a ping -c 3 -i 0.3 2001:db8::2 >/dev/null; sleep 1; wait $P; echo "rc=$?"; cat $OUT/c.err
echo "== -w"; ip netns exec a tcpdump -n -i eth0 -w $OUT/w.pcap > $OUT/w.out 2> $OUT/w.err & P=$!; sleep 2
ip netns exec a ping -c 1 2001:db8::2 >/dev/null; sleep 1; kill $P; wait $P; echo "rc=$?"; cat $OUT/w.err; echo "stdout:"; cat $OUT/w.out
echo "== -w -c 1"; ip netns exec a tcpdump -n -i eth0 -c 1 -w $OUT/w1.pcap 2> $OUT/w1.err & P=$!; sleep 2
ip netns exec a ping -c 1 2001:db8::2 >/dev/null; sleep 1; wait $P; echo "rc=$?"; cat $OUT/w1.err
echo "== -r"; tcpdump -n -r $OUT/w.pcap; echo "rc=$?"
echo "== -r missing"; tcpdump -n -r /nonexistent.pcap; echo "rc=$?"
echo "== -r filter none"; tcpdump -n -r $OUT/w.pcap tcp; echo "rc=$?"
echo "== -e live"; ip netns exec a tcpdump -n -e -i eth0 -c 1 2>&1 & P=$!; sleep 2
ip netns exec a ping -c 1 2001:db8::2 >/dev/null; sleep 1; wait $P; echo "rc=$?"
echo "== no -n"; ip netns exec a tcpdump -i eth0 -c 1 2>&1 & P=$!; sleep 2
ip netns exec a ping -c 1 2001:db8::2 >/dev/null; sleep 1; wait $P; echo "rc=$?"
echo "== -i any"; ip netns exec a tcpdump -n -i any -c 1 2>&1 & P=$!; sleep 2
ip netns exec a ping -c 1 2001:db8::2 >/dev/null; sleep 1; wait $P; echo "rc=$?"
echo "== no -i"; ip netns exec a tcpdump -n -c 1 2>&1 & P=$!; sleep 2
ip netns exec a ping -c 1 2001:db8::2 >/dev/null; sleep 1; wait $P; echo "rc=$?"
echo "== bad opt"; tcpdump -n -Z 2>&1 | head -3; echo "rc=${PIPESTATUS[0]}"
echo "== -c 0"; tcpdump -n -c 0 -i lo 2>&1; echo "rc=$?"
echo "== -c x"; tcpdump -n -c x -i lo 2>&1; echo "rc=$?"
echo "== -s x"; tcpdump -n -s x -i lo 2>&1; echo "rc=$?"
echo "== -s 100 live"; ip netns exec a tcpdump -n -s 100 -i eth0 -c 1 2>&1 & P=$!; sleep 2
ip netns exec a ping -c 1 2001:db8::2 >/dev/null; sleep 1; wait $P; echo "rc=$?"
echo "== -w and -r"; tcpdump -n -r $OUT/w.pcap -w $OUT/w2.pcap icmp6; echo "rc=$?"; tcpdump -n -r $OUT/w2.pcap 2>&1 | wc -l
echo "== -r -c 1"; tcpdump -n -r $OUT/w.pcap -c 1; echo "rc=$?"
echo "== missing -i arg"; tcpdump -n -i 2>&1; echo "rc=$?"
