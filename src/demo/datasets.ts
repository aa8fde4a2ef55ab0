import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { odsqlYearIn } from './portal.js';

/** The four City of Vancouver datasets the demo loads. */
export type DatasetKey = 'parking_tickets' | 'lost_animals' | 'service_requests_311' | 'business_licences';

export type FileFormat =
  | { readonly kind: 'jsonl' }
  | {
      readonly kind: 'csv';
      readonly delimiter: string;
      readonly bom: boolean;
      readonly lineEnding: '\n' | '\r\n';
    };

export interface DemoDataset {
  readonly key: DatasetKey;
  readonly title: string;
  /** The id on opendata.vancouver.ca (`/explore/dataset/<id>/`). */
  readonly portalDatasetId: string;
  /** Folder and file of the real sample under the samples directory. */
  readonly sampleFolder: string;
  readonly sampleFile: string;
  readonly sampleFormat: FileFormat;
  /** The sample's columns (JSON keys for JSON Lines), in file order. */
  readonly sampleColumns: readonly string[];
  /** The header of the portal's CSV export with `use_labels=true`, in order. */
  readonly portalColumns: readonly string[];
  /**
   * The date field that places a row in a year: `portal` is its API name (what ODSQL filters on, lower
   * case), `sample` the column holding it in the sample and the labelled export.
   */
  readonly yearField: { readonly portal: string; readonly sample: string };
}

export const DEMO_YEARS: readonly number[] = [2023, 2024];
/** The samples beside the project: ../shared/datasets/vancouver from the project's root. */
export const DEFAULT_SAMPLES_DIR = fileURLToPath(
  new URL('../../../shared/datasets/vancouver', import.meta.url),
);
export const VANCOUVER_PORTAL_URL = 'https://opendata.vancouver.ca';
/** The portal's default is UTC; asking for local time gives the -08:00/-07:00 offsets the samples carry. */
export const VANCOUVER_TIMEZONE = 'America/Vancouver';

/** What the Explore API v2.1 CSV export produces by default: ';', a BOM (new in v2.1), CRLF. */
export const PORTAL_CSV_FORMAT: FileFormat = { kind: 'csv', delimiter: ';', bom: true, lineEnding: '\r\n' };

const PARKING_COLUMNS = [
  'Block',
  'Street',
  'EntryDate',
  'Bylaw',
  'Section',
  'Status',
  'InfractionText',
  'Year',
  'BI_ID',
] as const;

const SERVICE_REQUEST_COLUMNS = [
  'department',
  'service_request_type',
  'status',
  'closure_reason',
  'service_request_open_timestamp',
  'service_request_close_date',
  'last_modified_timestamp',
  'address',
  'local_area',
  'channel',
  'latitude',
  'longitude',
  'geom',
] as const;

const SERVICE_REQUEST_LABELS = [
  'Department',
  'Service request type',
  'Status',
  'Closure reason',
  'Service request open timestamp',
  'Service request close date',
  'Last modified timestamp',
  'Address',
  'Local area',
  'Channel',
  'Latitude',
  'Longitude',
  'geom',
] as const;

const LOST_ANIMAL_COLUMNS = ['Breed', 'Color', 'Date', 'Name', 'Sex', 'State'] as const;

const BUSINESS_LICENCE_COLUMNS = [
  'FOLDERYEAR',
  'LicenceRSN',
  'LicenceNumber',
  'LicenceRevisionNumber',
  'BusinessName',
  'BusinessTradeName',
  'Status',
  'IssuedDate',
  'ExpiredDate',
  'BusinessType',
  'BusinessSubType',
  'Unit',
  'UnitType',
  'House',
  'Street',
  'City',
  'Province',
  'Country',
  'PostalCode',
  'LocalArea',
  'NumberofEmployees',
  'FeePaid',
  'ExtractDate',
  'Geom',
  'geo_point_2d',
] as const;

export const DEMO_DATASETS: readonly DemoDataset[] = [
  {
    key: 'parking_tickets',
    title: 'Parking tickets',
    portalDatasetId: 'parking-tickets',
    sampleFolder: 'parking-tickets',
    sampleFile: 'parking_tickets_2023_2024_sample.jsonl',
    sampleFormat: { kind: 'jsonl' },
    sampleColumns: PARKING_COLUMNS,
    portalColumns: PARKING_COLUMNS,
    yearField: { portal: 'entrydate', sample: 'EntryDate' },
  },
  {
    key: 'lost_animals',
    title: 'Animal control inventory – lost and found',
    portalDatasetId: 'animal-control-inventory-lost-and-found',
    sampleFolder: 'lost-animals',
    sampleFile: 'animal-control-inventory-lost-and-found.csv',
    sampleFormat: PORTAL_CSV_FORMAT,
    sampleColumns: LOST_ANIMAL_COLUMNS,
    portalColumns: LOST_ANIMAL_COLUMNS,
    yearField: { portal: 'date', sample: 'Date' },
  },
  {
    key: 'service_requests_311',
    title: '3-1-1 service requests',
    portalDatasetId: '3-1-1-service-requests',
    sampleFolder: '3-1-1-service-requests',
    sampleFile: 'raw_311.csv',
    // Not the portal's export: the sample was written by pandas from API records.
    sampleFormat: { kind: 'csv', delimiter: ',', bom: false, lineEnding: '\n' },
    sampleColumns: SERVICE_REQUEST_COLUMNS,
    portalColumns: SERVICE_REQUEST_LABELS,
    yearField: { portal: 'service_request_open_timestamp', sample: 'service_request_open_timestamp' },
  },
  {
    key: 'business_licences',
    title: 'Business licences',
    portalDatasetId: 'business-licences',
    sampleFolder: 'business-licences',
    sampleFile: 'business-licences-restaurants.csv',
    sampleFormat: PORTAL_CSV_FORMAT,
    sampleColumns: BUSINESS_LICENCE_COLUMNS,
    portalColumns: BUSINESS_LICENCE_COLUMNS,
    // IssuedDate rather than FOLDERYEAR: the export does not say whether FOLDERYEAR ("24") is text or a
    // number, and ODSQL refuses a comparison of the wrong type, whereas year() of a date always works.
    yearField: { portal: 'issueddate', sample: 'IssuedDate' },
  },
];

export function demoDataset(key: DatasetKey): DemoDataset {
  const dataset = DEMO_DATASETS.find((d) => d.key === key);
  if (!dataset) throw new Error(`unknown demo dataset '${key}'`);
  return dataset;
}

export function isDatasetKey(value: string): value is DatasetKey {
  return DEMO_DATASETS.some((d) => d.key === value);
}

/** The ODSQL `where` that selects the rows of the given years on the portal. */
export function portalWhere(dataset: DemoDataset, years: readonly number[] = DEMO_YEARS): string {
  return odsqlYearIn(dataset.yearField.portal, years);
}

export function samplePath(dataset: DemoDataset, samplesDir: string = DEFAULT_SAMPLES_DIR): string {
  return join(samplesDir, dataset.sampleFolder, dataset.sampleFile);
}
