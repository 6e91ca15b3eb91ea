#!/bin/bash
# sismatch-http-probe PORT PATH: exits 0 when http://127.0.0.1:PORT/PATH answers 200. Installed
# in the image as /usr/local/bin/sismatch-http-probe for the compose healthcheck of the web page
# (`sismatch-http-probe 8080 /healthz`): the image has no curl, and bash's /dev/tcp needs
# nothing more. Kubernetes probes the web page with its built-in httpGet instead.
set -u

if [ $# -ne 2 ]; then
    echo "usage: sismatch-http-probe PORT PATH" >&2
    exit 1
fi

exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
if ! IFS= read -r -t 5 status <&3; then
    echo "http://127.0.0.1:$1$2: no answer within 5 s" >&2
    exit 1
fi
status=${status%$'\r'}
case "$status" in
    "HTTP/1."?" 200"*) exit 0 ;;
    *)
        echo "http://127.0.0.1:$1$2 answered: $status" >&2
        exit 1
        ;;
esac
