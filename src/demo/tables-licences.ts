/**
 * Lookup tables for synthetic business licences, counted from the 3,385-row restaurant subset of the City
 * of Vancouver's business-licences export (Open Government Licence – Vancouver; FOLDERYEAR 24 and 25).
 */
import type { Weighted } from './prng.js';

/** A street with licensed premises, its local area, house-number range, postal prefix and centre. */
export interface Site {
  readonly street: string;
  readonly area: string;
  readonly weight: number;
  readonly houses: readonly [number, number];
  readonly postal: string;
  readonly lat: number;
  readonly lon: number;
}

export const LICENCE_SUBTYPES: Weighted = [
  ['Class 1 with liquor service', 2294],
  ['Class 1 no liquor service', 1047],
  ['Class 2 with liquor service', 44],
];
// biome-ignore format: one table row per line reads better than one value per line
export const LICENCE_BUSINESSES: ReadonlyArray<readonly [name: string, tradeName: string, weight: number]> = [
  ['Starbucks Coffee Canada Inc', 'Starbucks Coffee', 38],
  ['Canwell Enterprises Ltd', 'Canuel Caterers', 15],
  ["Johnny & Jak's Restaurants Ltd", "McDonald's Restaurant", 12],
  ['Breka Bakery & Cafe Inc', '', 10],
  ['JJ Bean Inc', 'JJ Bean Coffee Roaster', 9],
  ['Bates Restaurants Ltd', 'McDonalds Restaurants', 8],
  ['WTC Burger Management Systems ULC', "Wendy's", 7],
  ['Nuba Restaurant Group Inc', 'Nuba Cafe', 6],
  ['Bates Restaurants Ltd', "McDonald's Restaurants", 6],
  ['JJ Bean Inc', 'JJ Bean House of Coffee', 6],
  ['Caterina Restaurant Corp', 'McDonalds', 6],
  ['Rothesay Holdings Ltd', "Church's Fried Chicken", 6],
  ['Starbucks Coffee Canada Inc', '', 6],
  ["D'oro Gelato E Caffe Ltd", '', 4],
  ['Pattison Food Group Ltd', 'Urban Fare', 4],
  ['CKM Investments Ltd', 'The Basic', 4],
  ['Santouka Kamei Canada Foods Ltd', 'Hokkaido Ramen Santouka', 4],
  ['Tap & Barrel Restaurant (Coal Harbour) Ltd', 'Tap & Barrel', 4],
  ['0894000 BC Ltd', 'Railtown Cafe', 4],
  ['KMF Holdings Ltd', "Tim Horton's", 4],
  ['Vancouver Arena Limited Partnership & Vancouver Arena General Partner Inc', 'Rogers Arena', 4],
  ['Kailau Enterprises Ltd', "Tim Horton's", 4],
  ['Thaison Restaurant Ltd', '', 4],
  ['JJ Bean Inc', '', 4],
  ['Vancouver Community College', '', 4],
  ['Heart Connection Inc', 'Ramen Danbo', 4],
  ['Shaka Enterprise Ltd', 'Honolulu Coffee', 4],
  ['Fat Mao Kitchen Inc', 'Fat Mao Noodles', 4],
  ['Dalina Investments Inc', 'Dalina', 4],
  ["McDonald's Restaurants Of Canada Ltd", 'McDonalds', 4],
  ['Whole Foods Market - Wo Inc', 'Whole Foods Market', 4],
  ['BANN THAI KITCHEN LTD.', '', 3],
  ['Coppersmith Enterprises Ltd', 'Burger King', 3],
  ['Extra Mile Hospitality Inc', "Romer's Burger Bar", 3],
  ['Hungry Guys Kitchen Ltd', 'Hungry Guys Kitchen', 3],
  ['299 Burrard Management Ltd', 'Fairmont Pacific Rim Hotel - Botanist', 2],
  ['Takoyaki Enterprises Ltd', 'Toshi Sushi', 2],
  ['Chinatown Garden BBQ Restaurant Inc', 'Chinatown BBQ', 2],
  ['Vanall Restaurant Services Corp', 'Sushi Maro', 2],
  ['Flying Fish Holdings Ltd', 'Ophelia', 2],
  ['1089360 BC Ltd', 'A Taste Of Vietnam', 2],
  ['Dragon Crepes Ltd', '', 2],
  ['China Noodle Restaurant (Joyce) Ltd', 'Kung Fu Noodle', 2],
  ['1125352 BC Ltd', 'Tocador', 2],
  ['Northland Properties Corporation', "Denny's", 2],
];
// biome-ignore format: one table row per line reads better than one value per line
export const LICENCE_SITES: ReadonlyArray<Site> = [
  { street: 'COMMERCIAL DRIVE', area: 'Grandview-Woodland', weight: 120, houses: [631, 2360], postal: 'V5L', lat: 49.2709, lon: -123.0696 },
  { street: 'ROBSON ST', area: 'West End', weight: 107, houses: [1099, 1829], postal: 'V6E', lat: 49.2881, lon: -123.1302 },
  { street: 'W BROADWAY', area: 'Fairview', weight: 105, houses: [502, 1788], postal: 'V5Z', lat: 49.2634, lon: -123.1261 },
  { street: 'GRANVILLE ST', area: 'Downtown', weight: 103, houses: [200, 1661], postal: 'V6Z', lat: 49.2804, lon: -123.1214 },
  { street: 'MAIN ST', area: 'Riley Park', weight: 97, houses: [3240, 5688], postal: 'V5V', lat: 49.2487, lon: -123.101 },
  { street: 'W BROADWAY', area: 'Kitsilano', weight: 92, houses: [1822, 3629], postal: 'V6K', lat: 49.2641, lon: -123.1691 },
  { street: 'W 4TH AV', area: 'Kitsilano', weight: 86, houses: [1822, 3698], postal: 'V6K', lat: 49.2682, lon: -123.1593 },
  { street: 'DENMAN ST', area: 'West End', weight: 86, houses: [740, 1210], postal: 'V6G', lat: 49.2895, lon: -123.1384 },
  { street: 'MAIN ST', area: 'Mount Pleasant', weight: 69, houses: [1601, 3163], postal: 'V5T', lat: 49.2609, lon: -123.1009 },
  { street: 'DAVIE ST', area: 'West End', weight: 69, houses: [1030, 1795], postal: 'V6E', lat: 49.2821, lon: -123.1337 },
  { street: 'KINGSWAY', area: 'Kensington-Cedar Cottage', weight: 64, houses: [788, 2257], postal: 'V5N', lat: 49.2487, lon: -123.0728 },
  { street: 'KINGSWAY', area: 'Renfrew-Collingwood', weight: 50, houses: [2427, 3665], postal: 'V5R', lat: 49.2355, lon: -123.04 },
  { street: 'W PENDER ST', area: 'Downtown', weight: 46, houses: [52, 1467], postal: 'V6B', lat: 49.2849, lon: -123.1159 },
  { street: 'ROBSON ST', area: 'Downtown', weight: 41, houses: [101, 635], postal: 'V6B', lat: 49.2794, lon: -123.1165 },
  { street: 'FRASER ST', area: 'Sunset', weight: 39, houses: [5896, 8248], postal: 'V5W', lat: 49.2264, lon: -123.0908 },
  { street: 'BURRARD ST', area: 'Downtown', weight: 39, houses: [200, 1100], postal: 'V6C', lat: 49.2844, lon: -123.1205 },
  { street: 'W GEORGIA ST', area: 'Downtown', weight: 38, houses: [180, 1575], postal: 'V6B', lat: 49.2834, lon: -123.1192 },
  { street: 'E BROADWAY', area: 'Mount Pleasant', weight: 38, houses: [1, 1155], postal: 'V5T', lat: 49.2628, lon: -123.0957 },
  { street: 'W HASTINGS ST', area: 'Downtown', weight: 38, houses: [16, 1180], postal: 'V6B', lat: 49.2843, lon: -123.112 },
  { street: 'DAVIE ST', area: 'Downtown', weight: 37, houses: [126, 903], postal: 'V6Z', lat: 49.2767, lon: -123.1255 },
  { street: 'VICTORIA DRIVE', area: 'Kensington-Cedar Cottage', weight: 34, houses: [4890, 5695], postal: 'V5P', lat: 49.2365, lon: -123.0655 },
  { street: 'MAINLAND ST', area: 'Downtown', weight: 33, houses: [987, 1165], postal: 'V6B', lat: 49.276, lon: -123.1202 },
  { street: 'E HASTINGS ST', area: 'Hastings-Sunrise', weight: 33, houses: [2430, 3690], postal: 'V5K', lat: 49.2812, lon: -123.0489 },
  { street: 'HORNBY ST', area: 'Downtown', weight: 31, houses: [490, 1355], postal: 'V6Z', lat: 49.2826, lon: -123.1222 },
  { street: 'HAMILTON ST', area: 'Downtown', weight: 30, houses: [700, 1269], postal: 'V6B', lat: 49.2758, lon: -123.1215 },
  { street: 'SEYMOUR ST', area: 'Downtown', weight: 29, houses: [325, 1019], postal: 'V6B', lat: 49.2821, lon: -123.1166 },
  { street: 'HOWE ST', area: 'Downtown', weight: 28, houses: [323, 1600], postal: 'V6Z', lat: 49.2822, lon: -123.1206 },
  { street: 'E HASTINGS ST', area: 'Grandview-Woodland', weight: 26, houses: [1489, 2341], postal: 'V5L', lat: 49.2813, lon: -123.063 },
  { street: 'W 10TH AV', area: 'West Point Grey', weight: 26, houses: [3763, 4580], postal: 'V6R', lat: 49.2637, lon: -123.2052 },
  { street: 'VICTORIA DRIVE', area: 'Victoria-Fraserview', weight: 25, houses: [5728, 7191], postal: 'V5P', lat: 49.2245, lon: -123.0659 },
  { street: 'ALBERNI ST', area: 'West End', weight: 24, houses: [1032, 1616], postal: 'V6E', lat: 49.2858, lon: -123.1248 },
  { street: 'W 41ST AV', area: 'Kerrisdale', weight: 24, houses: [2028, 3220], postal: 'V6M', lat: 49.2342, lon: -123.1586 },
  { street: 'KINGSWAY', area: 'Killarney', weight: 24, houses: [3312, 3618], postal: 'V5R', lat: 49.232, lon: -123.0305 },
  { street: 'CANADA PLACE', area: 'Downtown', weight: 23, houses: [900, 1085], postal: 'V6C', lat: 49.2888, lon: -123.1152 },
  { street: 'CAMBIE ST', area: 'Riley Park', weight: 22, houses: [3250, 4600], postal: 'V5Z', lat: 49.2531, lon: -123.1146 },
  { street: 'DUNSMUIR ST', area: 'Downtown', weight: 22, houses: [402, 1055], postal: 'V6B', lat: 49.2832, lon: -123.1158 },
  { street: 'W BROADWAY', area: 'Mount Pleasant', weight: 21, houses: [53, 467], postal: 'V5Y', lat: 49.2633, lon: -123.1117 },
  { street: 'GRANVILLE ST', area: 'Marpole', weight: 21, houses: [7994, 8646], postal: 'V6P', lat: 49.2111, lon: -123.1404 },
  { street: 'W 41ST AV', area: 'Arbutus-Ridge', weight: 20, houses: [2129, 2285], postal: 'V6M', lat: 49.2349, lon: -123.1581 },
  { street: 'SW MARINE DRIVE', area: 'Marpole', weight: 20, houses: [160, 1440], postal: 'V5X', lat: 49.2086, lon: -123.1204 },
  { street: 'CORNWALL AV', area: 'Kitsilano', weight: 20, houses: [1881, 2305], postal: 'V6J', lat: 49.2727, lon: -123.1495 },
  { street: 'WATER ST', area: 'Downtown', weight: 19, houses: [2, 375], postal: 'V6B', lat: 49.284, lon: -123.1074 },
  { street: 'FRASER ST', area: 'Kensington-Cedar Cottage', weight: 19, houses: [3370, 5682], postal: 'V5V', lat: 49.2473, lon: -123.0897 },
  { street: 'GRANVILLE ST', area: 'Fairview', weight: 18, houses: [2506, 3070], postal: 'V6H', lat: 49.2601, lon: -123.1385 },
  { street: 'NELSON ST', area: 'Downtown', weight: 17, houses: [550, 888], postal: 'V6Z', lat: 49.2795, lon: -123.1238 },
];
// biome-ignore format: one table row per line reads better than one value per line
export const LICENCE_EMPLOYEES: Weighted = [
  ['10.0', 340], ['6.0', 208], ['5.0', 203], ['8.0', 199], ['20.0', 192], ['15.0', 190], ['4.0', 151],
  ['12.0', 151], ['0.0', 120], ['25.0', 108], ['3.0', 102], ['7.0', 95], ['30.0', 94], ['2.0', 89],
  ['9.0', 81], ['13.0', 63], ['18.0', 61], ['14.0', 61], ['40.0', 54], ['50.0', 51], ['16.0', 44],
  ['11.0', 43], ['17.0', 38], ['1.0', 36], ['35.0', 34], ['28.0', 33], ['22.0', 30], ['100.0', 29],
  ['24.0', 27], ['19.0', 26], ['70.0', 25], ['26.0', 21], ['29.0', 21], ['45.0', 20], ['60.0', 20],
  ['80.0', 18], ['31.0', 14], ['23.0', 13], ['21.0', 12], ['36.0', 12],
];
// biome-ignore format: one table row per line reads better than one value per line
export const LICENCE_FEES: Weighted = [
  ['1001.0', 368], ['1101.0', 70], ['1444.0', 54], ['192.0', 53], ['181.0', 50], ['1544.0', 34],
  ['1194.0', 30], ['1344.0', 28], ['1944.0', 21], ['1424.0', 21], ['6617.0', 21], ['1394.0', 19],
  ['1244.0', 19], ['13.0', 17], ['1404.0', 15], ['1294.0', 14], ['1264.0', 12], ['1434.0', 11],
  ['1284.0', 10], ['1744.0', 10], ['1584.0', 10], ['12.0', 9], ['1504.0', 9], ['1384.0', 9], ['1484.0', 9],
  ['1694.0', 9], ['2044.0', 8], ['1594.0', 8], ['1354.0', 8], ['1844.0', 8],
];
export const LICENCE_REVISIONS: Weighted = [
  ['00', 1683],
  ['10', 1367],
  ['11', 238],
  ['01', 89],
  ['12', 6],
  ['02', 2],
];

// biome-ignore format: one table row per line reads better than one value per line
export const LICENCE_UNITS: Weighted = [
  ['100', 32], ['101', 29], ['110', 26], ['1', 16], ['120', 15], ['2', 11], ['102', 10], ['201', 10],
  ['200', 9], ['202', 8], ['104', 7], ['140', 6], ['3', 5], ['130', 5], ['B1', 4],
];

export const LICENCE_UNIT_TYPES: Weighted = [
  ['', 3011],
  ['Unit', 355],
  ['Floor', 12],
  ['Suite', 1],
];

/**
 * When a licence for folder year Y is issued, by month offset from January of Y (-2 = November of Y-1), both folder
 * years added up (October to December of 25 were not out yet): renewals cluster before the year starts.
 */
// biome-ignore format: one table row per line reads better than one value per line
export const LICENCE_ISSUE_MONTHS: Weighted<number> = [
  [-2, 886], [-1, 1219], [0, 483], [1, 128], [2, 108], [3, 104], [4, 114], [5, 54], [6, 43], [7, 89],
  [8, 56], [9, 88], [10, 66], [11, 38], [12, 4], [13, 2], [14, 4],
];

/** Words for the trade names of numbered companies beyond the chains listed above. */
export const TRADE_NAME_PARTS: readonly (readonly string[])[] = [
  [
    'Golden',
    'Little',
    'Pacific',
    'Main Street',
    'Kitsilano',
    'Gastown',
    'Jade',
    'Maple',
    'Harbour',
    'Sakura',
  ],
  ['Sushi', 'Pho', 'Pizza', 'Noodle House', 'Bistro', 'Cafe', 'Kitchen', 'Taqueria', 'Dim Sum', 'Grill'],
];
