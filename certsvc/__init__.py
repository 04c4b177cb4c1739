"""certsvc: electronic industrial product production licences (工业产品生产许可证).

A licence travels one way: apply → review → sign → store → publish → verify. Each step is
one subpackage (see docs/architecture.md)::

    >>> from certsvc.domain.licence_number import LicenceNumber
    >>> str(LicenceNumber.parse("（浙）XK06-001-00012"))
    '浙XK06-001-00012'
"""
