# vmsim timeline of /tmp/lhp.json
set terminal pngcairo size 1400,372 font 'sans,10'
set output 'docs/img/lhp-ticket.png'
set xlabel 'simulated time (us)'
set yrange [-0.7:8.7] reverse
set xrange [0:3000]
set style fill solid 1.0 noborder
unset key
set grid x
set ytics ("host pCPU 0 (socket 0)" 0, "host pCPU 1 (socket 0)" 1, "host pCPU 2 (socket 0)" 2, "host pCPU 3 (socket 0)" 3, "VM guest (ticket) vcpu0" 4, "VM guest (ticket) vcpu1" 5, "VM guest (ticket) vcpu2" 6, "VM guest (ticket) vcpu3" 7, "VM noisy (ticket) vcpu0" 8)
set title 'running (green), holding a lock (blue), spinning (orange), halted (grey), preempted (pink), PREEMPTED holding / handed a lock (dark red), pCPU busy (teal)'
plot 'docs/img/lhp-ticket.png.dat' using (($1+$2)/2):3:(($2-$1)/2):(0.35):4 with boxxyerror lc rgb variable
