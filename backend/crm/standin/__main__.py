"""python -m backend.crm.standin [--host 127.0.0.1] [--port 8001] [--database PATH] [--quiet]"""
import argparse

from backend.crm.standin import serve

parser = argparse.ArgumentParser(description="The CRM stand-in (Open311 GeoReport v2), for development and tests.")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8001)
parser.add_argument("--database", default=None, help="SQLite file (default: $STANDIN_DATABASE or instance/crm-standin.sqlite3)")
parser.add_argument("--quiet", action="store_true", help="do not log every request")
args = parser.parse_args()
serve(args.host, args.port, args.database, args.quiet)
