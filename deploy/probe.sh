#!/bin/sh
# sismatch-probe [--live] PORT: asks the server on 127.0.0.1:PORT for its gRPC health
# (grpc.health.v1, service "") with grpc_health_probe, over mutual TLS when SISMATCH_CA is set.
# Installed in the image as /usr/local/bin/sismatch-probe; used by the compose healthchecks and
# the Kubernetes exec probes (the kubelet's built-in gRPC probe cannot present a client
# certificate, and the servers accept none but mutual TLS on their one port).
#
#   sismatch-probe PORT         ready: exit 0 only when the server answers SERVING
#   sismatch-probe --live PORT  alive: also exit 0 when it answers NOT_SERVING, as a node does
#                               while it rebuilds its index (restarting it would start over)
#
# Environment: SISMATCH_CA (the authority of the server's certificate; without it, plaintext),
# SISMATCH_CERT and SISMATCH_KEY (a client certificate signed by the server's client_ca: the
# server's own does, and the health service needs no identity), SISMATCH_PROBE_SERVER_NAME
# (the name the server's certificate is checked against; default localhost).
set -u

live=false
if [ "${1:-}" = "--live" ]; then
    live=true
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: sismatch-probe [--live] PORT" >&2
    exit 1
fi

set -- "-addr=127.0.0.1:$1" -connect-timeout=3s -rpc-timeout=3s
if [ -n "${SISMATCH_CA:-}" ]; then
    set -- "$@" -tls "-tls-ca-cert=$SISMATCH_CA" "-tls-server-name=${SISMATCH_PROBE_SERVER_NAME:-localhost}"
    if [ -n "${SISMATCH_CERT:-}" ]; then
        set -- "$@" "-tls-client-cert=$SISMATCH_CERT" "-tls-client-key=${SISMATCH_KEY:?SISMATCH_KEY is needed with SISMATCH_CERT}"
    fi
fi

grpc_health_probe "$@"
status=$?
# grpc_health_probe exits 4 when the server answered, but not SERVING.
if [ "$live" = true ] && [ "$status" -eq 4 ]; then
    exit 0
fi
exit "$status"
