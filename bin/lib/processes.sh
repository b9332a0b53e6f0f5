# Sourced by bin/run and bin/serve: run servers side by side and stop them all together, on Ctrl-C,
# on TERM or HUP, or as soon as any one of them exits. Each server gets a session (and process group) of
# its own, so stopping it also stops its children: runserver's autoreloader, gunicorn's and Celery's workers.

pids=()
names=()
stopping=0

# port_is_free PORT: nothing answers on 127.0.0.1:PORT.
port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start NAME COMMAND...: start a server in the background.
start() {
    local name=$1
    shift
    setsid "$@" &
    pids+=("$!")
    names+=("$name")
}

stop_all() {
    [ "$stopping" = 1 ] && return
    stopping=1
    [ "${#pids[@]}" = 0 ] && return
    echo
    echo "$(basename "$0"): stopping ${names[*]}"
    local pid alive
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 75); do  # up to 15 s for Celery's warm shutdown
        alive=0
        for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.2
    done
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM HUP
trap 'stop_all' EXIT

# wait_until_answers PORT PID: until something answers on the port, or the process PID has ended (30 s at most).
wait_until_answers() {
    for _ in $(seq 1 150); do
        port_is_free "$1" || return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# wait_for_any: wait until one server exits, say which, stop the others and exit with its status.
wait_for_any() {
    local ended status index what=""
    set +e
    wait -n -p ended "${pids[@]}"
    status=$?
    set -e
    for index in "${!pids[@]}"; do
        [ "${pids[$index]}" = "${ended:-}" ] && what=${names[$index]}
    done
    echo "$(basename "$0"): the ${what:-server} exited with status $status" >&2
    stop_all
    exit "$status"
}
