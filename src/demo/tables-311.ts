/**
 * Lookup tables for synthetic 3-1-1 service requests, counted from the 10,000-row API pull of the City of
 * Vancouver's 3-1-1-service-requests dataset (Open Government Licence – Vancouver).
 */
import type { Weighted } from './prng.js';

/** A local area with its share of requests, the centre and spread of its geocoded requests, and streets. */
export interface LocalArea {
  readonly name: string;
  readonly weight: number;
  readonly lat: number;
  readonly lon: number;
  readonly latSd: number;
  readonly lonSd: number;
  readonly streets: readonly string[];
}

// biome-ignore format: one table row per line reads better than one value per line
export const REQUEST_TYPES: ReadonlyArray<readonly [department: string, type: string, weight: number]> = [
  ['DBL - Services Centre', 'Building and Development Inquiry Case', 988],
  ['DBL - Licence Office', 'Business Licence Request Case', 845],
  ['CMO - Business and Election Services', 'Mayor and Council Feedback Case', 644],
  ['ENG - Sanitation Services', 'Garbage Bin Request Case', 500],
  ['ENG - Sanitation Services', 'Missed Garbage Bin Pickup Case', 406],
  ['ENG - Sanitation Services', 'Missed Green Bin Pickup Case', 369],
  ['PR - Urban Forestry', 'City and Park Trees Maintenance Case', 314],
  ['ENG - Sanitation Services', 'Abandoned Non-Recyclables-Small Case', 271],
  ['311 Contact Centre', 'City Services Feedback Case', 264],
  ['ENG - Sanitation Services', 'Green Bin Request Case', 233],
  ['ENG - Streets Operations', 'Street Surface Water Flooding Case', 231],
  ['ENG - Parking Enforcement and Operations', 'Parking Enforcement Transfer Case', 221],
  ['311 Contact Centre', 'General Feedback Case', 185],
  ['ENG - Streets Operations', 'Pothole Case', 182],
  ['ENG - Parking Enforcement and Operations', 'Abandoned or Uninsured Vehicle Case', 172],
  ['ENG - Traffic and Electrical Operations and Design', 'Street Light Out Case', 160],
  ['DBL - Property Use Inspections', 'Private Property Concern Case', 143],
  ['DBL - Animal Services', 'Animal Concern Case', 141],
  ['ENG - Parking Enforcement and Operations', 'Meter Out of Order Internal Audit Case', 133],
  ['DBL - Property Use Inspections', 'Noise on Private Property Case', 118],
  ['ENG - Sanitation Services', 'Abandoned Recyclables Case', 117],
  ['ENG - Parking Enforcement and Operations', 'Parking Enforcement Request Case', 113],
  ['FSC - Vacancy Tax', 'Empty Homes Tax Request Case', 110],
  ['ENG - Sanitation Services', 'Abandoned Non-Recyclables-Large Case', 109],
  ['DBL - Animal Services', 'Dog Licence Case', 103],
  ['CMO - Council Operations', 'Public Hearing Feedback Case', 95],
  ['ENG - Streets Operations', 'ZZ OLD - Urban Issues on City Property Case', 89],
  ['ENG - Integrated Graffiti Management', 'Graffiti Removal - City Property Case', 79],
  ['ENG - Sanitation Services', 'Street Cleaning and Debris Pick Up Case', 79],
  ['ENG - Sanitation Services', 'Abandoned Mattress Case', 79],
  ['ENG - Sanitation Services', 'Sanitation Operations Inquiry Case', 72],
  ['311 Contact Centre', 'Emergency Referral Tracking Report Case', 70],
  ['ENG - Streets Operations', 'Street Repair Case', 69],
  ['PR - Park Rangers', 'Park Ranger Request Case', 62],
  ['ENG - Waterworks Operations', 'Water Leak Case', 61],
  ['ENG - Sanitation Services', 'Dead Animal Pick Up Case', 61],
  ['ENG - Streets Operations', 'Sidewalk Repair Case', 58],
  ['ENG - Kent Construction Supplies and Services', 'Sidewalk Snow and Ice Removal Bylaw Violation Case', 58],
  ['DBL - Building and Trades Inspections Clerks', 'Private Property Construction Concern Case', 55],
  ['ENG - Sewer Operations', 'Sewer Backup Case', 53],
  ['VPD - False Alarm Reduction Program', 'Security Alarm Permit (Revenue Services) Case', 53],
  ['DBL - Building and Trades Inspections Clerks', 'Private Property Construction Noise Case', 50],
  ['ENG - Streets Furniture', 'Street Furniture Maintenance Case', 46],
  ['PR - Corporate Services', 'Parks Feedback Case', 45],
  ['ENG - Streets Operations', 'Vegetation Encroachment of City Property Case', 44],
  ['ENG - Parking Management', 'Residential Parking Permit Request Case', 38],
  ['DBL - Proactive Enforcement', 'Short-Term Rental Concern Case', 37],
  ['ENG - Traffic and Electrical Operations and Design', 'Sign Repair Case', 35],
  ['PR - Park Rangers', 'Urban Issues in Parks Case', 34],
  ['VFRS - Community Safety and Risk Reduction', 'Fire Prevention Inquiry Case', 33],
  ['311 Contact Centre', 'Employee Feedback Case', 33],
  ['FSC - Property Tax', 'Property Tax Request Case', 33],
  ['DBL - Property Use Inspections', 'Graffiti Removal - Private Property Case', 32],
  ['DBL - Proactive Enforcement', 'Short-Term Rental Request Case', 31],
  ['ENG - Traffic and Electrical Operations and Design', 'Traffic Signal Repair Case', 31],
  ['DBL - Animal Services', 'Animal Services Inquiry Case', 31],
  ['VFRS - Community Safety and Risk Reduction', 'Fire Safety Hazards Case', 29],
  ['ENG - Street Use Management', 'Street and Sidewalk Use Request Case', 27],
  ['ENG - Waterworks Operations', 'Water Meter Reading Request Case', 26],
  ['PR - Corporate Services', 'Recreation Feedback Case', 25],
];
// biome-ignore format: one table row per line reads better than one value per line
export const CLOSURE_REASONS: Weighted = [
  ['Service provided', 5920],
  ['Further action has been planned', 803],
  ['Reviewed and no action planned', 731],
  ['Assigned to inspector', 473],
  ['Closed automatically and sent to service group', 448],
  ['Unknown', 441],
  ['Referred to another service group', 306],
  ['Issue not found or inaccessible', 232],
  ['Insufficient info', 216],
  ['Not a city provided service / jurisdiction', 130],
  ['Alternate Service Required', 115],
  ['Dispatched to Crew', 104],
  ['Customer unreachable', 13],
  ['Outside of Parameters (Sanitation)', 1],
];
export const CHANNELS: Weighted = [
  ['WEB', 4499],
  ['Phone', 3738],
  ['Mobile App', 1431],
  ['E-mail', 138],
  ['Chat', 94],
  ['Unknown', 92],
  ['Social Media', 7],
  ['Mail Out', 1],
];
export const OPEN_HOURS: readonly number[] = [
  65, 41, 24, 20, 22, 33, 55, 210, 594, 865, 955, 893, 812, 866, 982, 887, 764, 553, 357, 305, 244, 221, 146,
  86,
];
// biome-ignore format: one table row per line reads better than one value per line
export const LOCAL_AREAS: ReadonlyArray<LocalArea> = [
  { name: 'Downtown', weight: 789, lat: 49.2803, lon: -123.1161, latSd: 0.0045, lonSd: 0.01, streets: ['SEYMOUR ST', 'GRANVILLE ST', 'WATER ST', 'HORNBY ST'] },
  { name: 'Kensington-Cedar Cottage', weight: 597, lat: 49.2484, lon: -123.0727, latSd: 0.0087, lonSd: 0.0089, streets: ['VICTORIA DRIVE', 'E 13TH AV', 'E 11TH AV', 'E 37TH AV'] },
  { name: 'Grandview-Woodland', weight: 518, lat: 49.2751, lon: -123.0663, latSd: 0.0078, lonSd: 0.0058, streets: ['COMMERCIAL DRIVE', 'VICTORIA DRIVE', 'WALL ST', 'E HASTINGS ST'] },
  { name: 'Kitsilano', weight: 518, lat: 49.2656, lon: -123.1644, latSd: 0.0045, lonSd: 0.0124, streets: ['W BROADWAY', 'W 8TH AV', 'W 10TH AV', 'W 3RD AV'] },
  { name: 'Renfrew-Collingwood', weight: 515, lat: 49.2443, lon: -123.04, latSd: 0.0078, lonSd: 0.0095, streets: ['KINGSWAY', 'E 29TH AV', 'BOUNDARY ROAD', 'E 22ND AV'] },
  { name: 'Mount Pleasant', weight: 467, lat: 49.2632, lon: -123.0991, latSd: 0.0042, lonSd: 0.0099, streets: ['W 12TH AV', 'E BROADWAY', 'MAIN ST', 'W BROADWAY'] },
  { name: 'Hastings-Sunrise', weight: 454, lat: 49.2771, lon: -123.0413, latSd: 0.008, lonSd: 0.0104, streets: ['E HASTINGS ST', 'FRANKLIN ST', 'NAPIER ST', 'E PENDER ST'] },
  { name: 'Sunset', weight: 429, lat: 49.2209, lon: -123.0922, latSd: 0.0064, lonSd: 0.0086, streets: ['ROSS ST', 'E 57TH AV', 'MAIN ST', 'E 56TH AV'] },
  { name: 'Fairview', weight: 371, lat: 49.2642, lon: -123.1299, latSd: 0.0043, lonSd: 0.0095, streets: ['W 7TH AV', 'GRANVILLE ST', 'W 11TH AV', 'W 6TH AV'] },
  { name: 'Riley Park', weight: 370, lat: 49.2468, lon: -123.1032, latSd: 0.0067, lonSd: 0.0069, streets: ['MAIN ST', 'W KING EDWARD AV', 'W 22ND AV', 'CLANCY LORANGER WAY'] },
  { name: 'West End', weight: 338, lat: 49.2849, lon: -123.1346, latSd: 0.0038, lonSd: 0.0054, streets: ['BEACH AV', 'HARWOOD ST', 'BARCLAY ST', 'DAVIE ST'] },
  { name: 'Strathcona', weight: 323, lat: 49.2781, lon: -123.0897, latSd: 0.0046, lonSd: 0.0068, streets: ['E HASTINGS ST', 'MALKIN AV', 'MAIN ST', 'RAYMUR AV'] },
  { name: 'Dunbar-Southlands', weight: 300, lat: 49.2425, lon: -123.184, latSd: 0.0072, lonSd: 0.0076, streets: ['DUNBAR ST', 'W 39TH AV', 'W 33RD AV', 'COLLINGWOOD ST'] },
  { name: 'Marpole', weight: 284, lat: 49.2115, lon: -123.1299, latSd: 0.0042, lonSd: 0.0101, streets: ['SW MARINE DRIVE', 'OAK ST', 'W 59TH AV', 'GRANVILLE ST'] },
  { name: 'Victoria-Fraserview', weight: 279, lat: 49.2208, lon: -123.0644, latSd: 0.0077, lonSd: 0.0073, streets: ['WALES ST', 'E 48TH AV', 'VICTORIA DRIVE', 'HARRISON DRIVE'] },
  { name: 'Killarney', weight: 243, lat: 49.2204, lon: -123.0361, latSd: 0.0089, lonSd: 0.008, streets: ['E 49TH AV', 'KERR ST', 'SE MARINE DRIVE', 'TYNE ST'] },
  { name: 'West Point Grey', weight: 197, lat: 49.2659, lon: -123.2015, latSd: 0.0055, lonSd: 0.0098, streets: ['W 13TH AV', 'W 14TH AV', 'W 12TH AV', 'W 4TH AV'] },
  { name: 'Kerrisdale', weight: 187, lat: 49.2259, lon: -123.1584, latSd: 0.0064, lonSd: 0.01, streets: ['W 49TH AV', 'YEW ST', 'W 42ND AV', 'CYPRESS ST'] },
  { name: 'Arbutus Ridge', weight: 168, lat: 49.2458, lon: -123.1612, latSd: 0.007, lonSd: 0.0066, streets: ['ARBUTUS ST', 'W 36TH AV', 'ELM ST', 'W 22ND AV'] },
  { name: 'Oakridge', weight: 134, lat: 49.2277, lon: -123.1234, latSd: 0.0038, lonSd: 0.009, streets: ['OAK ST', 'TISDALL ST', 'W 45TH AV', 'W 54TH AV'] },
  { name: 'Shaughnessy', weight: 128, lat: 49.2457, lon: -123.1406, latSd: 0.0077, lonSd: 0.0078, streets: ['W KING EDWARD AV', 'GRANVILLE ST', 'EAST BOULEVARD', 'W 41ST AV'] },
  { name: 'South Cambie', weight: 126, lat: 49.2473, lon: -123.1207, latSd: 0.0071, lonSd: 0.0037, streets: ['CAMBIE ST', 'W 22ND AV', 'OAK ST', 'W 18TH AV'] },
];

/** Days from opening to closing, as deciles of the sample (the last bucket runs to two years). */
export const CLOSE_DAY_DECILES: readonly number[] = [0, 0, 0, 1, 2, 3, 5, 6, 10, 17, 730];

/**
 * How location fields come together: most requests have neither address nor coordinates (withheld or never
 * geocoded), some keep the local area; coordinates come with an address.
 */
export const LOCATION_KINDS: Weighted<'area-only' | 'full' | 'none'> = [
  ['area-only', 4600],
  ['full', 3153],
  ['none', 2247],
];
