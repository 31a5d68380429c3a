"""Every named query answers with exact rows on the bundled sample store; parameters cannot inject.

Expected rows were read off the sample store and checked against the sample sources by hand (the
workbook's Agreements/Datasets/DataReleases sheets and the Leicester page).  Queries whose sample
answer is empty (sublicensing, mixed opt-outs) are also checked on a tiny hand-written graph.
"""

from __future__ import annotations

import csv
import io
import re

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg import query
from kg.cli import app
from kg.errors import RegkgError
from kg.namespace import PREFIXES

COLUMNS: dict[str, list[str]] = {}
ROWS: dict[str, list[tuple[str, ...]]] = {}
PARAMS = {
    "processors-of-dataset": {"dataset": "SUS+"},
    "datasets-of-processor": {"org": "MLCSU"},
    "organisation-flows": {"org": "NHS Leicester, Leicestershire and Rutland ICB - 04V"},
    "agreements-by-legal-basis": {"basis": "s251"},
    "in-force-on": {"date": "2021-06-30"},
    "releases-per-month": {"dataset": "Civil Registrations of Death"},
    "identifiable-data": {"dataset": "Permission to Contact"},
}

# processors-of-dataset {'dataset': 'SUS+'}
COLUMNS['processors-of-dataset'] = (
['agreement', 'version', 'processor', 'role', 'link', 'evidence']
)
ROWS['processors-of-dataset'] = (
[('DARS-NIC-116738-W8J8Q',
  '2.2',
  'NHS North East London Commissioning Support Unit',
  'processor',
  'stated',
  'Data Processor – North and East London Commissioning Support Unit'),
 ('DARS-NIC-116829-C2B8N',
  '2.2',
  'NHS North East London Commissioning Support Unit',
  'processor',
  'stated',
  'Data Processor – North and East London Commissioning Support Unit'),
 ('DARS-NIC-127332-G0J1N',
  '2.5',
  'Blackpool Victoria Hospital',
  'infrastructure',
  'inferred',
  'LIMA Networks Ltd and Blackpool Victoria Hospital supply IT infrastructure and are therefore '
  'listed as a data processor. They supply support to the system, but do not access data.'),
 ('DARS-NIC-127332-G0J1N',
  '2.5',
  'Lima Networks Ltd',
  'infrastructure',
  'inferred',
  'LIMA Networks Ltd and Blackpool Victoria Hospital supply IT infrastructure and are therefore '
  'listed as a data processor. They supply support to the system, but do not access data.'),
 ('DARS-NIC-127332-G0J1N',
  '2.5',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  'stated',
  'Invoice Validation with be conducted by NHS Midlands and Lancashire Commissioning Support '
  'Unit.'),
 ('DARS-NIC-127332-G0J1N',
  '3.2',
  'Liaison Financial Services Ltd',
  'processor',
  'stated',
  'Invoice validation is provided by NHS Midlands and Lancashire Commissioning Support Unit and '
  'Liaison Financial Services Ltd.'),
 ('DARS-NIC-127332-G0J1N',
  '3.2',
  'Lima Networks Ltd',
  'infrastructure',
  'inferred',
  'LIMA Networks Ltd supplies IT infrastructure and are therefore listed as a data processor. They '
  'supply support to the system, but do not access data.'),
 ('DARS-NIC-127332-G0J1N',
  '3.2',
  'Microsoft Limited',
  'infrastructure',
  'inferred',
  'Microsoft UK supply provide Cloud Services for Liaison Financial Services Ltd and NHS Midlands '
  'and Lancashire Commissioning Support Unit, and are therefore listed as a data processor. They '
  'supply support to the system, but do not access data.'),
 ('DARS-NIC-127332-G0J1N',
  '3.2',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  'stated',
  'Invoice validation is provided by NHS Midlands and Lancashire Commissioning Support Unit and '
  'Liaison Financial Services Ltd.'),
 ('DARS-NIC-199599-S0T5M',
  '',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  'stated',
  'Risk Stratification will be conducted by NHS Midlands and Lancashire Commissioning Support '
  'Unit'),
 ('DARS-NIC-199599-S0T5M',
  '1.4',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  'stated',
  'Data processor 1 NHS Midlands and Lancashire Commissioning Support Unit'),
 ('DARS-NIC-199599-S0T5M',
  '1.4',
  'Prescribing Services Limited',
  'processor',
  'stated',
  'Risk Stratification will be conducted by NHS Midlands and Lancashire Commissioning Support Unit '
  'and Prescribing Services Limited'),
 ('DARS-NIC-199599-S0T5M',
  '2.2',
  'Lima Networks Ltd',
  'infrastructure',
  'inferred',
  'Lima Networks Ltd supply IT infrastructure and are therefore listed as a data processor. They '
  'supply support to the system, but do not access data.'),
 ('DARS-NIC-199599-S0T5M',
  '2.2',
  'Microsoft Limited',
  'infrastructure',
  'inferred',
  'Microsoft Limited supply Cloud Services for NHS Midlands and Lancashire Commissioning Support '
  'Unit and are therefore listed as a data processor. They supply support to the system, but do '
  'not access data.'),
 ('DARS-NIC-199599-S0T5M',
  '2.2',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  'stated',
  'Data processor 1 NHS Midlands and Lancashire Commissioning Support Unit'),
 ('DARS-NIC-199599-S0T5M',
  '2.2',
  'Prescribing Services Limited',
  'processor',
  'stated',
  'Risk Stratification will be conducted by NHS Midlands and Lancashire Commissioning Support Unit '
  'and Prescribing Services Limited')]
)

# datasets-of-processor {'org': 'MLCSU'}
COLUMNS['datasets-of-processor'] = (
['agreement', 'version', 'dataset', 'controller', 'role', 'link']
)
ROWS['datasets-of-processor'] = (
[('DARS-NIC-127332-G0J1N',
  '2.5',
  'SUS for Commissioners',
  'NHS Shropshire, Telford and Wrekin ICB - M2L0M',
  'processor',
  'stated'),
 ('DARS-NIC-127332-G0J1N',
  '3.2',
  'SUS for Commissioners',
  'NHS Shropshire, Telford and Wrekin ICB - M2L0M',
  'processor',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  '',
  'SUS for Commissioners',
  'NHS Leicester, Leicestershire and Rutland ICB - 04V',
  'processor',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  '1.4',
  'SUS for Commissioners',
  'NHS Leicester, Leicestershire and Rutland ICB - 04V',
  'processor',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  '2.2',
  'Mental Health Services Data Set (MHSDS)',
  'NHS Leicester, Leicestershire and Rutland ICB - 04V',
  'processor',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  '2.2',
  'SUS for Commissioners',
  'NHS Leicester, Leicestershire and Rutland ICB - 04V',
  'processor',
  'stated')]
)

# organisation-flows {'org': 'NHS Leicester, Leicestershire and Rutland ICB - 04V'}
COLUMNS['organisation-flows'] = (
['agreement', 'direction', 'role', 'dataset', 'counterpart']
)
ROWS['organisation-flows'] = (
[('DARS-NIC-199599-S0T5M', 'receives', 'applicant', 'Mental Health Services Data Set (MHSDS)', ''),
 ('DARS-NIC-199599-S0T5M', 'receives', 'controller', 'Mental Health Services Data Set (MHSDS)', ''),
 ('DARS-NIC-199599-S0T5M', 'receives', 'applicant', 'SUS for Commissioners', ''),
 ('DARS-NIC-199599-S0T5M', 'receives', 'controller', 'SUS for Commissioners', ''),
 ('DARS-NIC-199599-S0T5M',
  'sends',
  'controller',
  'Mental Health Services Data Set (MHSDS)',
  'Lima Networks Ltd'),
 ('DARS-NIC-199599-S0T5M',
  'sends',
  'controller',
  'Mental Health Services Data Set (MHSDS)',
  'Microsoft Limited'),
 ('DARS-NIC-199599-S0T5M',
  'sends',
  'controller',
  'Mental Health Services Data Set (MHSDS)',
  'NHS Midlands and Lancashire Commissioning Support Unit'),
 ('DARS-NIC-199599-S0T5M', 'sends', 'controller', 'SUS for Commissioners', 'Lima Networks Ltd'),
 ('DARS-NIC-199599-S0T5M', 'sends', 'controller', 'SUS for Commissioners', 'Microsoft Limited'),
 ('DARS-NIC-199599-S0T5M',
  'sends',
  'controller',
  'SUS for Commissioners',
  'NHS Midlands and Lancashire Commissioning Support Unit'),
 ('DARS-NIC-199599-S0T5M',
  'sends',
  'controller',
  'SUS for Commissioners',
  'Prescribing Services Limited')]
)

# agreements-by-legal-basis {'basis': 's251'}
COLUMNS['agreements-by-legal-basis'] = (
['agreement', 'title', 'legal_basis']
)
ROWS['agreements-by-legal-basis'] = (
[('DARS-NIC-116738-W8J8Q',
  'DSfC - NHS Nene CCG: RS & IV',
  "National Health Service Act 2006 - s251 - 'Control of patient information'"),
 ('DARS-NIC-116829-C2B8N',
  'DSfC - NHS Corby CCG; RS & IV.',
  "National Health Service Act 2006 - s251 - 'Control of patient information'"),
 ('DARS-NIC-127332-G0J1N',
  'DSfC - NHS Telford and Wrekin CCG; RS, IV',
  "National Health Service Act 2006 - s251 - 'Control of patient information'"),
 ('DARS-NIC-199599-S0T5M',
  'DSfC - NHS West Leicestershire CCG IV RS',
  "National Health Service Act 2006 - s251 - 'Control of patient information'")]
)

# identifiable-without-opt-outs {}
COLUMNS['identifiable-without-opt-outs'] = (
['agreement', 'organisation', 'dataset_label', 'files', 'first_month', 'last_month']
)
ROWS['identifiable-without-opt-outs'] = (
[('DARS-NIC-114652-L3R2T',
  'NHS Blood and Transplant',
  'Civil Registrations of Death',
  '7',
  '2021-07',
  '2022-07'),
 ('DARS-NIC-656751-H5K0Y',
  'The Institute of Cancer Research',
  'NDRS Systemic Anti-Cancer Therapy Dataset (SACT)',
  '1',
  '2025-01',
  '2025-01')]
)

# commercial-recipients {}
COLUMNS['commercial-recipients'] = (
['dataset_label', 'organisation', 'agreement', 'organisation_type']
)
ROWS['commercial-recipients'] = (
[('Permission to Contact', 'AstraZeneca UK Limited', 'DARS-NIC-474218-V7G7L', 'Commercial')]
)

# sublicensing {}
COLUMNS['sublicensing'] = (
['agreement', 'version', 'title', 'organisation']
)
ROWS['sublicensing'] = (
[]
)

# in-force-on {'date': '2021-06-30'}
COLUMNS['in-force-on'] = (
['agreement', 'version', 'organisation', 'start', 'end']
)
ROWS['in-force-on'] = (
[('DARS-NIC-114652-L3R2T', '0.14', 'NHS Blood and Transplant', '2021-02-01', '2022-08-31'),
 ('DARS-NIC-116738-W8J8Q', '2.2', 'NHS Northamptonshire ICB - 78H', '2019-11-27', '2022-11-26'),
 ('DARS-NIC-116829-C2B8N', '2.2', 'NHS Northamptonshire ICB - 78H', '2019-11-27', '2022-11-26'),
 ('DARS-NIC-127332-G0J1N',
  '2.5',
  'NHS Shropshire, Telford and Wrekin ICB - M2L0M',
  '2019-06-14',
  '2022-06-13'),
 ('DARS-NIC-127332-G0J1N',
  '3.2',
  'NHS Shropshire, Telford and Wrekin ICB - M2L0M',
  '2020-02-01',
  '2023-01-31'),
 ('DARS-NIC-199599-S0T5M',
  '2.2',
  'NHS Leicester, Leicestershire and Rutland ICB - 04V',
  '2021-04-23',
  '2024-04-22'),
 ('DARS-NIC-474218-V7G7L', '0.3', 'AstraZeneca UK Limited', '2021-06-23', '2022-06-22')]
)

# releases-per-month {'dataset': 'Civil Registrations of Death'}
COLUMNS['releases-per-month'] = (
['month', 'dataset_label', 'files', 'agreements']
)
ROWS['releases-per-month'] = (
[('2021-07', 'Civil Registrations of Death', '1', '1'),
 ('2021-09', 'Civil Registrations of Death', '1', '1'),
 ('2021-11', 'Civil Registrations of Death', '1', '1'),
 ('2022-01', 'Civil Registrations of Death', '1', '1'),
 ('2022-03', 'Civil Registrations of Death', '1', '1'),
 ('2022-05', 'Civil Registrations of Death', '1', '1'),
 ('2022-07', 'Civil Registrations of Death', '1', '1')]
)

# mixed-opt-outs {}
COLUMNS['mixed-opt-outs'] = (
['organisation', 'dataset_label', 'with_opt_outs', 'without_opt_outs']
)
ROWS['mixed-opt-outs'] = (
[]
)

# top-organisations {}
# The sample store has no dated edition, so nothing is new, ended or changed in one
# (tests/test_editions_in_one_store.py asks these of two editions).
COLUMNS['new-in-edition'] = ['agreement', 'title']
ROWS['new-in-edition'] = []
COLUMNS['ended-in-edition'] = ['agreement', 'title', 'previous']
ROWS['ended-in-edition'] = []
COLUMNS['processors-changed'] = ['agreement', 'change', 'processor', 'previous']
ROWS['processors-changed'] = []

COLUMNS['top-organisations'] = (
['organisation', 'agreements', 'as_recipient', 'as_processor']
)
ROWS['top-organisations'] = (
[('Lima Networks Ltd', '2', '0', '2'),
 ('Microsoft Limited', '2', '0', '2'),
 ('NHS Midlands and Lancashire Commissioning Support Unit', '2', '0', '2'),
 ('NHS North East London Commissioning Support Unit', '2', '0', '2'),
 ('NHS Northamptonshire ICB - 78H', '2', '2', '0'),
 ('AstraZeneca UK Limited', '1', '1', '0'),
 ('Blackpool Victoria Hospital', '1', '0', '1'),
 ('Brighton and Hove City Council', '1', '1', '0'),
 ('East Sussex County Council', '1', '1', '0'),
 ('Liaison Financial Services Ltd', '1', '0', '1'),
 ('London School of Hygiene and Tropical Medicine', '1', '1', '0'),
 ('NHS Blood and Transplant', '1', '1', '0'),
 ('NHS Digital', '1', '0', '1'),
 ('NHS Leicester, Leicestershire and Rutland ICB - 04V', '1', '1', '0'),
 ('NHS Shropshire, Telford and Wrekin ICB - M2L0M', '1', '1', '0'),
 ('Prescribing Services Limited', '1', '0', '1'),
 ('Queen Mary University of London', '1', '1', '0'),
 ('The Institute of Cancer Research', '1', '1', '0'),
 ('West Sussex County Council', '1', '1', '0')]
)

# agreements {}
COLUMNS['agreements'] = (
['agreement', 'title', 'organisation', 'start', 'end']
)
ROWS['agreements'] = (
[('DARS-NIC-114652-L3R2T',
  'A multi-centre, randomised, controlled trial evaluating the effects of early high-dose '
  'cryoprecipitate in adult patients with major trauma haemorrhage requiring major haemorrhage '
  'protocol (MHP) activation. CRYOSTAT2- Application to access 1 year mortality data for recruited '
  'patients',
  'NHS Blood and Transplant',
  '2021-02-01',
  '2024-01-04'),
 ('DARS-NIC-116738-W8J8Q',
  'DSfC - NHS Nene CCG: RS & IV',
  'NHS Northamptonshire ICB - 78H',
  '2019-11-27',
  '2022-11-26'),
 ('DARS-NIC-116829-C2B8N',
  'DSfC - NHS Corby CCG; RS & IV.',
  'NHS Northamptonshire ICB - 78H',
  '2019-11-27',
  '2022-11-26'),
 ('DARS-NIC-123200-J0L4T',
  'MR1451 Vitamin D and Longevity (VIDAL) Trial: randomised feasibility study',
  'London School of Hygiene and Tropical Medicine',
  '2018-12-15',
  '2020-04-30'),
 ('DARS-NIC-127332-G0J1N',
  'DSfC - NHS Telford and Wrekin CCG; RS, IV',
  'NHS Shropshire, Telford and Wrekin ICB - M2L0M',
  '2019-06-14',
  '2023-01-31'),
 ('DARS-NIC-199599-S0T5M',
  'DSfC - NHS West Leicestershire CCG IV RS',
  'NHS Leicester, Leicestershire and Rutland ICB - 04V',
  '2018-12-20',
  '2024-04-22'),
 ('DARS-NIC-474218-V7G7L',
  'Phase II/III Study of AZD2816, a Vaccine for the Prevention of COVID-19 in Adults',
  'AstraZeneca UK Limited',
  '2021-06-23',
  '2022-06-22'),
 ('DARS-NIC-617755-B4F1L',
  'Access to Civil Registration Deaths – Local Authority Collaborative Suicide Prevention Strategy',
  'East Sussex County Council',
  '2024-07-08',
  '2027-07-07'),
 ('DARS-NIC-656751-H5K0Y',
  'Generations Study (ODR_2014_317B)',
  'The Institute of Cancer Research',
  '2024-05-03',
  '2027-05-02')]
)

# identifiable-data {'dataset': 'Permission to Contact'}
COLUMNS['identifiable-data'] = (
['agreement', 'organisation', 'dataset_label', 'legal_basis', 'purpose']
)
ROWS['identifiable-data'] = (
[('DARS-NIC-474218-V7G7L',
  'AstraZeneca UK Limited',
  'Permission to Contact',
  'Health and Social Care Act 2012 - s261(2)(c)',
  None)]
)

# processors {}
COLUMNS['processors'] = (
['agreement', 'processor', 'dataset', 'evidence', 'role', 'version', 'link']
)
ROWS['processors'] = (
[('DARS-NIC-116738-W8J8Q',
  'NHS North East London Commissioning Support Unit',
  'SUS for Commissioners',
  'Data Processor – North and East London Commissioning Support Unit',
  'processor',
  '2.2',
  'stated'),
 ('DARS-NIC-116829-C2B8N',
  'NHS North East London Commissioning Support Unit',
  'SUS for Commissioners',
  'Data Processor – North and East London Commissioning Support Unit',
  'processor',
  '2.2',
  'stated'),
 ('DARS-NIC-127332-G0J1N',
  'Blackpool Victoria Hospital',
  'SUS for Commissioners',
  'LIMA Networks Ltd and Blackpool Victoria Hospital supply IT infrastructure and are therefore '
  'listed as a data processor. They supply support to the system, but do not access data.',
  'infrastructure',
  '2.5',
  'inferred'),
 ('DARS-NIC-127332-G0J1N',
  'Lima Networks Ltd',
  'SUS for Commissioners',
  'LIMA Networks Ltd and Blackpool Victoria Hospital supply IT infrastructure and are therefore '
  'listed as a data processor. They supply support to the system, but do not access data.',
  'infrastructure',
  '2.5',
  'inferred'),
 ('DARS-NIC-127332-G0J1N',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'SUS for Commissioners',
  'Invoice Validation with be conducted by NHS Midlands and Lancashire Commissioning Support Unit.',
  'processor',
  '2.5',
  'stated'),
 ('DARS-NIC-127332-G0J1N',
  'Liaison Financial Services Ltd',
  'SUS for Commissioners',
  'Invoice validation is provided by NHS Midlands and Lancashire Commissioning Support Unit and '
  'Liaison Financial Services Ltd.',
  'processor',
  '3.2',
  'stated'),
 ('DARS-NIC-127332-G0J1N',
  'Lima Networks Ltd',
  'SUS for Commissioners',
  'LIMA Networks Ltd supplies IT infrastructure and are therefore listed as a data processor. They '
  'supply support to the system, but do not access data.',
  'infrastructure',
  '3.2',
  'inferred'),
 ('DARS-NIC-127332-G0J1N',
  'Microsoft Limited',
  'SUS for Commissioners',
  'Microsoft UK supply provide Cloud Services for Liaison Financial Services Ltd and NHS Midlands '
  'and Lancashire Commissioning Support Unit, and are therefore listed as a data processor. They '
  'supply support to the system, but do not access data.',
  'infrastructure',
  '3.2',
  'inferred'),
 ('DARS-NIC-127332-G0J1N',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'SUS for Commissioners',
  'Invoice validation is provided by NHS Midlands and Lancashire Commissioning Support Unit and '
  'Liaison Financial Services Ltd.',
  'processor',
  '3.2',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'SUS for Commissioners',
  'Risk Stratification will be conducted by NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  '',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'SUS for Commissioners',
  'Data processor 1 NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  '1.4',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  'Prescribing Services Limited',
  'SUS for Commissioners',
  'Risk Stratification will be conducted by NHS Midlands and Lancashire Commissioning Support Unit '
  'and Prescribing Services Limited',
  'processor',
  '1.4',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  'Lima Networks Ltd',
  'Mental Health Services Data Set (MHSDS)',
  'Lima Networks Ltd supply IT infrastructure and are therefore listed as a data processor. They '
  'supply support to the system, but do not access data.',
  'infrastructure',
  '2.2',
  'inferred'),
 ('DARS-NIC-199599-S0T5M',
  'Lima Networks Ltd',
  'SUS for Commissioners',
  'Lima Networks Ltd supply IT infrastructure and are therefore listed as a data processor. They '
  'supply support to the system, but do not access data.',
  'infrastructure',
  '2.2',
  'inferred'),
 ('DARS-NIC-199599-S0T5M',
  'Microsoft Limited',
  'Mental Health Services Data Set (MHSDS)',
  'Microsoft Limited supply Cloud Services for NHS Midlands and Lancashire Commissioning Support '
  'Unit and are therefore listed as a data processor. They supply support to the system, but do '
  'not access data.',
  'infrastructure',
  '2.2',
  'inferred'),
 ('DARS-NIC-199599-S0T5M',
  'Microsoft Limited',
  'SUS for Commissioners',
  'Microsoft Limited supply Cloud Services for NHS Midlands and Lancashire Commissioning Support '
  'Unit and are therefore listed as a data processor. They supply support to the system, but do '
  'not access data.',
  'infrastructure',
  '2.2',
  'inferred'),
 ('DARS-NIC-199599-S0T5M',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'Mental Health Services Data Set (MHSDS)',
  'Data processor 1 NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  '2.2',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  'NHS Midlands and Lancashire Commissioning Support Unit',
  'SUS for Commissioners',
  'Data processor 1 NHS Midlands and Lancashire Commissioning Support Unit',
  'processor',
  '2.2',
  'stated'),
 ('DARS-NIC-199599-S0T5M',
  'Prescribing Services Limited',
  'SUS for Commissioners',
  'Risk Stratification will be conducted by NHS Midlands and Lancashire Commissioning Support Unit '
  'and Prescribing Services Limited',
  'processor',
  '2.2',
  'stated'),
 ('DARS-NIC-474218-V7G7L',
  'NHS Digital',
  'Permission to Contact',
  'The data will be processed on behalf of the data controller, AstraZeneca UK Limited, by NHS '
  'Digital as a data processor for the purpose of supporting recruitment to participate in a '
  'COVID-19 vaccine trial being run by AstraZeneca UK Limited.',
  'processor',
  '0.3',
  'inferred')]
)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_named_query_exact_rows(sample_store, name):
    result = query.ask(sample_store, name, PARAMS.get(name, {}))
    assert result.columns == COLUMNS[name]
    assert [tuple(r) for r in result.rows] == ROWS[name]


def test_every_query_file_is_tested():
    assert set(query.named_queries()) == set(ROWS)


MHSDS_PROCESSORS = [
    ('DARS-NIC-199599-S0T5M', '2.2', 'Lima Networks Ltd', 'infrastructure', 'inferred',
     'Lima Networks Ltd supply IT infrastructure and are therefore listed as a data processor. They '
     'supply support to the system, but do not access data.'),
    ('DARS-NIC-199599-S0T5M', '2.2', 'Microsoft Limited', 'infrastructure', 'inferred',
     'Microsoft Limited supply Cloud Services for NHS Midlands and Lancashire Commissioning Support '
     'Unit and are therefore listed as a data processor. They supply support to the system, but do '
     'not access data.'),
    ('DARS-NIC-199599-S0T5M', '2.2', 'NHS Midlands and Lancashire Commissioning Support Unit', 'processor', 'stated',
     'Data processor 1 NHS Midlands and Lancashire Commissioning Support Unit'),
]


def _rows(store, name, values):
    return [tuple(r) for r in query.ask(store, name, values).rows]


def test_bound_parameter_restricts_the_rows(sample_store):
    """Any label of a dataset binds the same node; another dataset gives its own rows only."""
    assert _rows(sample_store, "processors-of-dataset", {"dataset": "SUS+"}) == ROWS["processors-of-dataset"]
    assert (_rows(sample_store, "processors-of-dataset", {"dataset": "sus for commissioners"})
            == ROWS["processors-of-dataset"])
    assert _rows(sample_store, "processors-of-dataset", {"dataset": "MHSDS"}) == MHSDS_PROCESSORS
    with pytest.raises(RegkgError, match=r"processors-of-dataset: missing parameter\(s\) dataset; "
                                         r"e\.g\. regkg ask processors-of-dataset --param dataset=\"SUS\+\""):
        query.ask(sample_store, "processors-of-dataset", {})


@pytest.mark.parametrize("name", sorted(q.name for q in query.named_queries().values() if q.params))
def test_a_parameter_never_adds_a_column(sample_store, name):
    """Parameters are bound by a VALUES block, so they need not be projected, and are not."""
    q = query.get_named_query(name)
    select = q.text[q.text.index("SELECT"): q.text.index("WHERE")]
    for p in q.params:
        assert not re.search(rf"\?{p.name.replace('-', '_')}\b", select), (q.name, p.name)
    assert query.ask(sample_store, name, PARAMS.get(name, {})).columns == COLUMNS[name]
    if name in PARAMS and all(p.optional for p in q.params):
        assert query.ask(sample_store, name, {}).columns == COLUMNS[name]


# optional parameters: every row when absent; bound, only the rows of that dataset
OPTIONAL = {
    "identifiable-data": "Permission to Contact",
    "releases-per-month": "Civil Registrations of Death",
    "commercial-recipients": "Permission to Contact",
    "identifiable-without-opt-outs": "Civil Registrations of Death",
}


@pytest.mark.parametrize("name", sorted(OPTIONAL))
def test_an_optional_parameter_left_out_returns_every_row(sample_store, name):
    assert all(p.help.startswith("optional") for p in query.get_named_query(name).params)
    label = COLUMNS[name].index("dataset_label")
    everything = _rows(sample_store, name, {})
    some = _rows(sample_store, name, {"dataset": OPTIONAL[name]})
    assert some, name
    assert some == [r for r in everything if r[label] == some[0][label]]
    if name in {"identifiable-data", "releases-per-month"}:
        assert len({r[label] for r in everything}) > 1


def test_rows_without_the_optional_parameter(sample_store):
    assert len(_rows(sample_store, "identifiable-data", {})) == 35
    assert _rows(sample_store, "releases-per-month", {}) == ROWS["releases-per-month"] + [
        ('2025-01', label, '1', '1') for label in (
            'NDRS Cancer Pathway', 'NDRS Cancer Registrations', 'NDRS Linked HES APC', 'NDRS Linked HES Outpatient',
            'NDRS National Radiotherapy Dataset (RTDS)', 'NDRS Systemic Anti-Cancer Therapy Dataset (SACT)')]
    assert _rows(sample_store, "commercial-recipients", {"dataset": "SUS+"}) == []


INJECTION = '"} ; DROP ALL ; SELECT * WHERE { ?s ?p ?o '


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_injection_does_not_change_the_query_shape(sample_store, name):
    q = query.get_named_query(name)
    values = {p.name: INJECTION for p in q.params}
    if any(p.kind == "date" for p in q.params):
        with pytest.raises(RegkgError, match="expected a date"):
            query.ask(sample_store, name, values)
        return
    try:
        bindings = query.bind(q, values)
    except RegkgError as e:  # a legal basis that names no single basis is refused, not run
        assert "legal bases" in str(e)
        return
    result = query.run(sample_store, q.text, bindings)  # bound as a value: the query keeps its shape
    assert result.columns == COLUMNS[name]
    assert result.rows == []
    with pytest.raises(RegkgError, match=r"^parameter \w+: no (dataset|org) '\"\} ; DROP ALL ; SELECT \* WHERE"):
        query.ask(sample_store, name, values)  # and asked by name, a name the store lacks is refused


def test_a_misspelt_name_is_an_error_naming_the_closest_labels(sample_store, sample_store_path):
    with pytest.raises(RegkgError, match=r"^parameter dataset: no dataset 'SUSS' in the store; closest: SUS\+"):
        query.ask(sample_store, "processors-of-dataset", {"dataset": "SUSS"})
    result = CliRunner().invoke(app, ["trace", "--org", "Midlands and Lancshire CSU", "--store",
                                      str(sample_store_path)])
    assert result.exit_code == 1
    assert result.output.startswith("error: no organisation 'Midlands and Lancshire CSU' in the store; closest: ")


def test_injection_leaves_the_store_intact(sample_store):
    before = len(sample_store)
    q = query.get_named_query("processors-of-dataset")
    query.run(sample_store, q.text, query.bind(q, {"dataset": INJECTION}))
    assert len(sample_store) == before


TINY = """
id:a1 a dur:DataSharingAgreement ; dct:identifier "DARS-NIC-1" ; dur:hasVersion id:v1 ; dur:latestVersion id:v1 .
id:v1 a dur:AgreementVersion ; dct:isVersionOf id:a1 ; dur:versionNumber "1.0" ; dct:title "T1" ;
    dur:applicant id:o1 ; dur:sublicensing true ;
    dur:versionNode id:v1 ; dur:current true .  # listed in the newest edition (docs/history.md)
id:o1 skos:prefLabel "Org One" .
id:d1 skos:prefLabel "Dataset One" .
id:r1 a dur:Release ; dur:releasedUnder id:v1 ; dur:dataset id:d1 ; dur:optOutsApplied true .
id:r2 a dur:Release ; dur:releasedUnder id:v1 ; dur:dataset id:d1 ; dur:optOutsApplied false .
id:r3 a dur:Release ; dur:releasedUnder id:v1 ; dur:dataset id:d1 ; dur:optOutsApplied false .
"""


@pytest.fixture(scope="module")
def tiny_store() -> ox.Store:
    store = ox.Store()
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    store.load((header + TINY).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(PREFIXES["id"]) + "g"))
    return store


def test_mixed_opt_outs_on_a_tiny_graph(tiny_store):
    assert query.ask(tiny_store, "mixed-opt-outs").rows == [["Org One", "Dataset One", "1", "2"]]


def test_sublicensing_on_a_tiny_graph(tiny_store):
    assert query.ask(tiny_store, "sublicensing").rows == [["DARS-NIC-1", "1.0", "T1", "Org One"]]


def test_ask_list_shows_each_querys_question_parameters_and_example():
    result = CliRunner().invoke(app, ["ask", "--list", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["name", "question", "parameters", "example"]
    assert ["processors-of-dataset", "Which processors (sub-processors and infrastructure suppliers included) receive "
            "a dataset, under which agreements, on what evidence?",
            'dataset (dataset): any label of a dataset, e.g. SUS+ or "SUS for Commissioners"',
            'regkg ask processors-of-dataset --param dataset="SUS+"'] in rows
    assert len(rows) == 1 + len(ROWS)


def test_ask_with_param_from_the_cli(sample_store_path):
    result = CliRunner().invoke(app, ["ask", "in-force-on", "--param", "date=2021-06-30", "--format", "csv",
                                      "--store", str(sample_store_path)])
    assert result.exit_code == 0, result.output
    assert "DARS-NIC-474218-V7G7L,0.3,AstraZeneca UK Limited,2021-06-23,2022-06-22" in result.output.splitlines()
