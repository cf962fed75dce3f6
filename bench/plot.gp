# plot.gp: draws bench/results/latest.png from the data files report.py writes (call with -e "dir='...'").
# Left: calls/s of each system per workload (log scale). Right: the payload sweep, rom vs raw libzmq.
set terminal pngcairo size 1400,560 font "sans,10"
set output dir."/latest.png"
set datafile missing "NaN"
set multiplot layout 1,2 title "rom vs raw libzmq, Python BaseManager and Redis (same machine, same run)"

set title "calls per second (log scale, higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1000:*]
set format y "10^{%L}"
set grid ytics
set key top left
set xtics noenhanced
plot dir."/plot_rates.dat" using 2:xtic(1) title "rom" lc rgb "#1f77b4", \
     "" using 3 title "raw libzmq" lc rgb "#7f7f7f", \
     "" using 4 title "Python manager" lc rgb "#ff7f0e", \
     "" using 5 title "Redis INCR" lc rgb "#d62728"

unset style
set style data linespoints
set title "Echo payload throughput over ipc (MB/s, one way)"
set logscale xy
set yrange [*:*]
set xrange [*:*]
set format x "%.0s%cB"
set format y "%g"
set xlabel "payload bytes"
set key top left
plot dir."/plot_payload.dat" using 1:2 title "rom" lw 2 pt 7 lc rgb "#1f77b4", \
     "" using 1:3 title "raw libzmq" lw 2 pt 5 lc rgb "#7f7f7f"
unset multiplot
