#!/bin/sh
# A dump of the Kios Aduan database, and deletion of dumps past their time.
#   DATABASE_URL=postgresql+psycopg://user@host/db deploy/backup.sh [directory] [keep-days]
# Run nightly by deploy/systemd/kios-aduan-backup.timer. Dumps are kept 30 days
# by default, so that personal data erased in the app (by a citizen's request
# or at the end of its retention period) is gone from the backups 30 days later.
# Restore: pg_restore --clean --if-exists --dbname=<url> <file>   (deploy/README.md)
set -eu
dir=${1:-/var/backups/kios-aduan}
keep_days=${2:-30}
url=${DATABASE_URL:?DATABASE_URL is not set}
case $url in
  postgresql+*://*) url="postgresql://${url#*://}" ;;  # SQLAlchemy's driver suffix, unknown to libpq
  postgresql://*|postgres://*) ;;
  *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL (for SQLite use: sqlite3 <file> '.backup <dest>')" >&2; exit 2 ;;
esac
umask 077
mkdir -p "$dir"
out="$dir/kios-aduan-$(date +%Y%m%d-%H%M%S).dump"
pg_dump --format=custom --file="$out.part" "$url"
mv "$out.part" "$out"  # never a half-written dump under a dump's name
find "$dir" -maxdepth 1 -name 'kios-aduan-*.dump' -mtime +"$keep_days" -delete
echo "$out"
