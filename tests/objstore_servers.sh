# SPDX-License-Identifier: MIT
#
# objstore_servers.sh - real object-store servers for the shell tests
# (sourced): the npm packages s3rver and Azurite, installed once into a
# cache under the build directory and started on 127.0.0.1, port 0, data
# in a scratch directory; tests/objstore_harness.h does the same for the
# C tests, into the same cache, under the same lock.
#
#   obj_npm CACHE            install the servers (once); 1: npm is absent
#   obj_s3rver DIR BUCKET    start s3rver with BUCKET, data under DIR;
#                            sets OBJ_PID and OBJ_PORT
#   obj_azurite DIR          start Azurite's blob service; the same
#   obj_kill PID             kill a server (and SIGCONT a stopped one)
#
# Each function fails (returns 1) with a line on stderr; the caller kills
# what it started (obj_kill) at its exit.
S3RVER_PKG=s3rver@3.7.1
AZURITE_PKG=azurite@3.35.0
OBJ_CACHE=

obj_npm() {
	OBJ_CACHE=$1
	command -v npm >/dev/null && command -v node >/dev/null || return 1
	mkdir -p "$OBJ_CACHE"
	(
		flock 9
		if [ ! -x "$OBJ_CACHE/node_modules/.bin/s3rver" ] ||
		   [ ! -x "$OBJ_CACHE/node_modules/.bin/azurite-blob" ]; then
			npm install --prefix "$OBJ_CACHE" --no-audit --no-fund \
				--loglevel=error "$S3RVER_PKG" "$AZURITE_PKG" \
				>"$OBJ_CACHE/install.log" 2>&1 ||
				{ echo "npm install failed: see $OBJ_CACHE/install.log" >&2; exit 2; }
		fi
	) 9>"$OBJ_CACHE/.lock"
	[ $? = 0 ] || return 2
	return 0
}

# obj_wait LOG: the port the server's log says it listens on.
obj_wait() {
	local log=$1 port
	for _ in $(seq 1800); do
		port=$(grep -o 'listen[^0-9]*127\.0\.0\.1:[0-9]*' "$log" 2>/dev/null |
		       head -1 | sed 's/.*://')
		[ -n "$port" ] && { OBJ_PORT=$port; return 0; }
		kill -0 "$OBJ_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "the server did not listen (log $log)" >&2
	return 1
}

obj_s3rver() {
	local dir=$1 bucket=$2
	mkdir -p "$dir/data"
	setsid "$OBJ_CACHE/node_modules/.bin/s3rver" -d "$dir/data" -a 127.0.0.1 \
		-p 0 --silent --configure-bucket "$bucket" >"$dir/log" 2>&1 &
	OBJ_PID=$!
	obj_wait "$dir/log"
}

obj_azurite() {
	local dir=$1
	mkdir -p "$dir/data"
	setsid "$OBJ_CACHE/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 \
		--blobPort 0 -l "$dir/data" --silent --disableTelemetry \
		--skipApiVersionCheck >"$dir/log" 2>&1 &
	OBJ_PID=$!
	obj_wait "$dir/log"
}

obj_kill() {
	[ -n "$1" ] || return 0
	kill -CONT "$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
