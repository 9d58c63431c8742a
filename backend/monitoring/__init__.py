"""Monitoring and evaluation: the one query layer behind the dashboard, the
CSV/XLSX exports and the monthly PDF report (issue 7).

    scope.py      Scope: a WIB date range and an area (city, kecamatan,
                  kelurahan), limited to the offices a user may see
    queries.py    every figure, as plain data (`dashboard(scope)`), the rows
                  of the exports (`complaint_rows`) and kiosk heartbeats
    rollup.py     the pre-aggregated figures the dashboard reads, kept in step
                  by the writes that change them; rebuilt by
                  `flask monitoring rebuild-rollups` (cli.py)
    synthetic.py  bulk synthetic complaints for tests and bench/dashboard.py

A complaint counts for its **intake office** (`Complaint.office_id`, where it
came in), never for the kelurahan where the problem is.
"""
