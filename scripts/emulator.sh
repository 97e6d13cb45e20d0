# Starting dcs-emulator from a script (sourced by demo.sh and cleanroom.sh).
#
# start_emulator BINARY DIR ARGS...: runs BINARY --port 0 ARGS... in the background, its stdout in
# DIR/emulator.out and its log in DIR/emulator.log, and waits (up to 30 s) until it listens. Sets
# emulator_pid and emulator_url; returns 1, with the log on stderr, when it did not start.
start_emulator() {
    local binary=$1 dir=$2
    shift 2
    "$binary" --port 0 "$@" >"$dir/emulator.out" 2>"$dir/emulator.log" &
    emulator_pid=$!
    for _ in $(seq 1 300); do
        grep -q "listening on" "$dir/emulator.out" 2>/dev/null && break
        sleep 0.1
    done
    emulator_url=$(sed -n 's/^dcs-emulator listening on //p' "$dir/emulator.out")
    [ -n "$emulator_url" ] || { cat "$dir/emulator.log" >&2; return 1; }
}
