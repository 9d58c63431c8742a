from backend.offices import office_code, read_offices


def test_the_76_offices_with_unique_codes():
    offices = read_offices()
    kinds = [o.kind for o in offices]
    assert kinds.count("kota") == 1 and kinds.count("kecamatan") == 10 and kinds.count("kelurahan") == 65
    assert len({o.code for o in offices}) == 76
    codes = {o.code for o in offices}
    assert all(o.parent_code in codes for o in offices if o.parent_code)


def test_office_code_from_kemendagri_code():
    assert office_code("31.74") == "0000"
    assert office_code("31.74.01") == "0100"
    assert office_code("31.74.01.1001") == "0101"
    assert office_code("31.74.10.1005") == "1005"
