#!/bin/bash
# Records FRR 8.4 bgpd_bmp output: run as `unshare --net tests/data/bmp_frr/inner.sh` (root): a private, anonymous
# network namespace (nothing named, nothing left behind); writes stream.bin (= ../bmp_frr.bin) and FRR's tables here.
set -x
D=$(cd "$(dirname "$0")" && pwd)  # this folder: the stream and FRR's tables are written here
ip link set lo up
for n in 1 2 3 4; do ip addr add 192.0.2.$n/32 dev lo; done
ip addr add 2001:db8::2/128 dev lo
W=$(mktemp -d /tmp/bmp-frr.XXXXXX)  # bgpd sockets, pid files, logs
for x in a b c; do mkdir -p $W/$x; done
chmod 777 $W $W/a $W/b $W/c
python3 $D/listen.py $D/stream.bin 45 & LP=$!
sleep 0.5
start() { /usr/lib/frr/bgpd -u frr -g frr --vty_socket $W/$1 -i $W/$1/bgpd.pid -f $D/$1.conf -Z -n -P 0 -l $2 -p 179 --log file:$W/$1.log $3 -d; }
start a 192.0.2.1 "-M bmp"
start b 192.0.2.2
start c 192.0.2.4
sleep 15
vtysh --vty_socket $W/a -c "show bgp summary" -c "show bgp ipv4 unicast" -c "show bgp ipv6 unicast" -c "show bmp" > $D/a.before.txt 2>&1
vtysh --vty_socket $W/a -c "show bgp ipv4 unicast json" > $D/a.v4.json 2>&1
vtysh --vty_socket $W/a -c "show bgp ipv6 unicast json" > $D/a.v6.json 2>&1
vtysh --vty_socket $W/a -c "conf t" -c "router bgp 65001" -c "neighbor 192.0.2.2 shutdown"
sleep 3
vtysh --vty_socket $W/b -c "conf t" -c "router bgp 65002" -c "address-family ipv4 unicast" -c "no network 203.0.113.0/24"
vtysh --vty_socket $W/a -c "conf t" -c "router bgp 65001" -c "no neighbor 192.0.2.2 shutdown"
sleep 8
vtysh --vty_socket $W/b -c "conf t" -c "router bgp 65002" -c "address-family ipv4 unicast" -c "no network 10.2.0.0/16"
sleep 3
vtysh --vty_socket $W/a -c "show bgp ipv4 unicast" -c "show bmp" > $D/a.after.txt 2>&1
vtysh --vty_socket $W/a -c "conf t" -c "router bgp 65001" -c "no bmp targets coll"
sleep 2
for x in a b c; do kill $(cat $W/$x/bgpd.pid); done
wait $LP
rm -rf $W
