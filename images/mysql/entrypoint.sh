#!/bin/sh
# First start: initialise the data directory, create the database and the
# application user from the environment (the same variables the official
# mysql image reads), run /docker-entrypoint-initdb.d/*.sql, then hand over to
# the real server. The set-up runs on a private socket-only server, so nothing
# can connect before the users exist: the health check only passes on the
# final server.
#
# No password ever appears on a command line (where `ps` on the host shows
# it): SQL reaches the client on stdin, and root keeps the empty password
# of --initialize-insecure until the last statement of the set-up, which sets
# it and shuts the private server down in the same session.
set -eu
: "${MYSQL_DATABASE:?set MYSQL_DATABASE}" "${MYSQL_USER:?set MYSQL_USER}"
: "${MYSQL_PASSWORD:?set MYSQL_PASSWORD}" "${MYSQL_ROOT_PASSWORD:?set MYSQL_ROOT_PASSWORD}"

if [ "$1" = "mysqld" ] && [ ! -d /var/lib/mysql/mysql ]; then
    echo "dplat-mysql: initialising $(cat /etc/dplat-mysql-version)"
    mysqld --initialize-insecure --user=mysql --log-error-verbosity=1
    mysqld --skip-networking --socket=/tmp/init.sock --pid-file=/tmp/init.pid &
    for _ in $(seq 1 60); do
        mysqladmin --socket=/tmp/init.sock ping --silent 2>/dev/null && break
        sleep 0.5
    done
    mysql --socket=/tmp/init.sock -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\`;
CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD}';
GRANT ALL ON \`${MYSQL_DATABASE}\`.* TO '${MYSQL_USER}'@'%';
FLUSH PRIVILEGES;
SQL
    for f in /docker-entrypoint-initdb.d/*.sql; do
        [ -e "$f" ] || continue
        echo "dplat-mysql: running $f"
        mysql --socket=/tmp/init.sock -uroot "${MYSQL_DATABASE}" < "$f"
    done
    mysql --socket=/tmp/init.sock -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '${MYSQL_ROOT_PASSWORD}';
FLUSH PRIVILEGES;
SHUTDOWN;
SQL
    wait
    echo "dplat-mysql: initialised"
fi
exec "$@"
