#!/usr/bin/env bash
# Load benchmark for otsd: create, status and reveal throughput and latency
# on the memory store and on a private Redis, measured with wrk over
# loopback. Numbers go in docs/benchmarks.md; this is not a test.
#
#   bench/load.sh [DURATION] [CONNECTIONS]     (defaults: 10s, 64)
#
# Needs: wrk, redis-server, python3. Builds otsd in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10s}
connections=${2:-64}
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk redis-server python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
cargo build --release --quiet -p otsd
otsd=target/release/otsd

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A structurally valid envelope (otsd checks only the header and the size),
# a proof and its verifier, and the request bodies that use them.
python3 - "$work" <<'PY'
import base64, hashlib, json, os, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
work = sys.argv[1]
proof = os.urandom(32)
envelope = b"OTS\x01\x00" + os.urandom(24) + os.urandom(1024 + 16)
create = {"envelope": b64(envelope), "verifier": b64(hashlib.sha256(proof).digest()),
          "ttl_seconds": 3600, "views": 1}
open(f"{work}/create.json", "w").write(json.dumps(create))
open(f"{work}/many.json", "w").write(json.dumps(dict(create, views=1_000_000_000)))
open(f"{work}/proof.json", "w").write(json.dumps({"proof": b64(proof)}))
PY

cat > "$work/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
f:close()
LUA

start_otsd() {
    local log=$work/otsd-$1.log
    "$otsd" --listen 127.0.0.1:0 --max-views 1000000000 --log warn,otsd=info "${@:2}" \
        2>"$log" &
    pids+=($!)
    for _ in $(seq 1 100); do
        addr=$(grep -o 'listening addr=[^ ]*' "$log" | cut -d= -f2 || true)
        [ -n "$addr" ] && return 0
        sleep 0.1
    done
    echo "bench: otsd did not start" >&2; cat "$log" >&2; exit 1
}

run() {
    local name=$1 path=$2 body=$3
    local out
    out=$(BODY=$body wrk -t2 -c"$connections" -d"$duration" --latency \
        -s "$work/post.lua" "http://$addr$path")
    printf '%-22s %12s req/s   p50 %8s   p99 %8s\n' "$name" \
        "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
        "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
        "$(awk '$1 == "99%" {print $2}' <<<"$out")"
}

bench_store() {
    local store=$1
    # One secret with a huge view limit, revealed over and over.
    local id
    id=$(curl -s -H 'Content-Type: application/json' --data @"$work/many.json" \
        "http://$addr/api/v1/secrets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    run "$store create" /api/v1/secrets "$work/create.json"
    run "$store status" "/api/v1/secrets/$id/status" "$work/proof.json"
    run "$store reveal" "/api/v1/secrets/$id/reveal" "$work/proof.json"
}

echo "otsd $(git rev-parse --short HEAD), $(nproc) cores, wrk -t2 -c$connections -d$duration, 1 KiB secrets"
start_otsd memory --memory-capacity-bytes 4GiB
bench_store memory

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    grep -q 'Ready to accept connections' "$work/redis.log" && break
    sleep 0.1
done
start_otsd redis --redis-url "redis://127.0.0.1:$redis_port"
bench_store redis
