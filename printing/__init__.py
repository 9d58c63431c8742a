"""Everything that becomes paper or an image: QR codes, receipts, posters, reports.

A library handed plain data; it imports neither the web layer nor the models.
"""
