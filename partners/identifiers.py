"""Partner identifiers: AS2 names (RFC 4130 §6.2), X12 ISA/GS sender-receiver IDs and EDIFACT UNB IDs.

Each identifier is an ``Annotated`` string type whose validator refuses what cannot travel in its
envelope; the X12 ISA05/ISA07 qualifier is checked against the code list of data element I05.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

AS2_ID_MAX_LENGTH: Final = 128
ISA_ID_MAX_LENGTH: Final = 15
GS_ID_MIN_LENGTH: Final = 2
GS_ID_MAX_LENGTH: Final = 15
UNB_ID_MAX_LENGTH: Final = 35
UNB_QUALIFIER_MAX_LENGTH: Final = 4

PRINTABLE_ASCII: Final = re.compile(r"[\x20-\x7e]*")
AS2_ATEXT: Final = re.compile(r"[!#$%&'*+\-/0-9=?A-Z^_`a-z{|}~.]+")
EDIFACT_QUALIFIER: Final = re.compile(r"[A-Za-z0-9]+")

# X12 data element I05 (Interchange ID Qualifier), version 00501 code list.
ISA_QUALIFIERS: Final[dict[str, str]] = {
    "01": "Duns (Dun & Bradstreet)",
    "02": "SCAC (Standard Carrier Alpha Code)",
    "03": "FMC (Federal Maritime Commission)",
    "04": "IATA (International Air Transport Association)",
    "07": "Global Location Number (GLN)",
    "08": "UCC EDI Communications ID (Comm ID)",
    "09": "X.121 (CCITT)",
    "10": "Department of Defense (DoD) Activity Address Code",
    "11": "DEA (Drug Enforcement Administration)",
    "12": "Phone (Telephone Companies)",
    "13": "UCS Code",
    "14": "Duns Plus Suffix",
    "15": "Petroleum Accountants Society of Canada Company Code",
    "16": "Duns Number With 4-Character Suffix",
    "17": "American Bankers Association (ABA) Transit Routing Number",
    "18": "Association of American Railroads (AAR) Standard Distribution Code",
    "19": "EDI Council of Australia (EDICA) Communications ID Number",
    "20": "Health Industry Number (HIN)",
    "21": "Integrated Postsecondary Education Data System (IPEDS)",
    "22": "Federal Interagency Commission on Education (FICE)",
    "23": "National Center for Education Statistics Common Core of Data",
    "24": "Statistics Canada Canadian College Student Information System Institution Codes",
    "25": "Statistics Canada University Student Information System Institution Codes",
    "26": "Society of Property Information Compilers and Analysts",
    "27": "Carrier Identification Number as assigned by CMS",
    "28": "Fiscal Intermediary Identification Number as assigned by CMS",
    "29": "Medicare Provider and Supplier Identification Number as assigned by CMS",
    "30": "U.S. Federal Tax Identification Number",
    "31": "Jurisdiction Identification Number Plus 4",
    "32": "U.S. Federal Employer Identification Number (FEIN)",
    "33": "National Association of Insurance Commissioners Company Code (NAIC)",
    "34": "Medicaid Provider and Supplier Identification Number",
    "35": "Statistics Canada Canadian College Student Information System Course Codes",
    "36": "Statistics Canada University Student Information System Course Codes",
    "37": "Statistics Canada University Student Information System Program Codes",
    "38": "Statistics Canada Canadian College Student Information System Program Codes",
    "AM": "Association Mexicana del Codigo de Producto (AMECOP) Communication ID",
    "NR": "National Retail Merchants Association (NRMA) Assigned",
    "SA": "User Identification Number as assigned by the SAFER System",
    "SN": "Standard Address Number",
    "ZZ": "Mutually Defined",
}


def _refuse(kind: str, message: str, **context: str | int) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context)


def _printable(value: str, kind: str, label: str, max_length: int, min_length: int = 1) -> str:
    if not min_length <= len(value) <= max_length:
        raise _refuse(
            f"{kind}_length",
            f"{label} must be {min_length} to {max_length} characters, got {len(value)}",
            min_length=min_length,
            max_length=max_length,
            actual_length=len(value),
        )
    if not PRINTABLE_ASCII.fullmatch(value):
        raise _refuse(f"{kind}_charset", f"{label} may only contain printable ASCII characters")
    if value != value.strip(" "):
        raise _refuse(f"{kind}_whitespace", f"{label} must not start or end with a space")
    return value


def check_as2_id(value: str) -> str:
    """An AS2 name: 1..128 printable ASCII, case-sensitive, no leading/trailing space (RFC 4130 §6.2)."""
    return _printable(value, "as2_id", "AS2 ID", AS2_ID_MAX_LENGTH)


def check_isa_id(value: str) -> str:
    """ISA06/ISA08: 1..15 printable characters; the 15-character padding is added when rendering."""
    return _printable(value, "isa_id", "ISA ID", ISA_ID_MAX_LENGTH)


def check_isa_qualifier(value: str) -> str:
    """ISA05/ISA07: a code of X12 data element I05."""
    if value not in ISA_QUALIFIERS:
        raise _refuse(
            "isa_qualifier_unknown",
            f"unknown ISA ID qualifier {value!r}; expected one of {', '.join(sorted(ISA_QUALIFIERS))}",
            qualifier=value,
        )
    return value


def check_gs_id(value: str) -> str:
    """GS02/GS03 application sender/receiver code: 2..15 printable characters."""
    return _printable(value, "gs_id", "GS ID", GS_ID_MAX_LENGTH, GS_ID_MIN_LENGTH)


def check_unb_id(value: str) -> str:
    """UNB S002/S003 0004/0010 identification: 1..35 printable characters."""
    return _printable(value, "unb_id", "UNB ID", UNB_ID_MAX_LENGTH)


def check_unb_qualifier(value: str) -> str:
    """UNB 0007 partner identification code qualifier: 1..4 letters or digits (e.g. 14, ZZ, ZZZ)."""
    if not (len(value) <= UNB_QUALIFIER_MAX_LENGTH and EDIFACT_QUALIFIER.fullmatch(value)):
        raise _refuse(
            "unb_qualifier_format",
            f"UNB ID qualifier must be 1 to {UNB_QUALIFIER_MAX_LENGTH} letters or digits",
        )
    return value


def quote_as2_id(as2_id: str) -> str:
    """The AS2-From/AS2-To header form of an AS2 name: as-is when atomic, else quoted and escaped."""
    if AS2_ATEXT.fullmatch(as2_id):
        return as2_id
    return '"' + as2_id.replace("\\", "\\\\").replace('"', '\\"') + '"'


As2Id = Annotated[str, AfterValidator(check_as2_id)]
IsaId = Annotated[str, AfterValidator(check_isa_id)]
IsaQualifier = Annotated[str, AfterValidator(check_isa_qualifier)]
GsId = Annotated[str, AfterValidator(check_gs_id)]
UnbId = Annotated[str, AfterValidator(check_unb_id)]
UnbQualifier = Annotated[str, AfterValidator(check_unb_qualifier)]
