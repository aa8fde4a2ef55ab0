/**
 * Lookup tables for synthetic lost-and-found animals, counted from the 2023–2024 rows (1,185) of the City of
 * Vancouver's animal-control-inventory-lost-and-found export (Open Government Licence – Vancouver).
 * Spelling and casing variants ('Black & White', 'Black and White', 'Black and white') are kept on purpose.
 */
import type { Weighted } from './prng.js';

// biome-ignore format: one table row per line reads better than one value per line
export const ANIMAL_BREEDS: Weighted = [
  ['Cat - DSH', 180], ['Cat - DSH Tabby', 62], ['Pit Bull', 31], ['Cat - DLH', 27], ['Cat - DMH', 21],
  ['Shiba Inu', 18], ['Chihuahua', 18], ['Cat - DSH - Tabby', 18], ['.Unknown Breed Mix', 17],
  ['Cat - DSH Tuxedo', 16], ['Germ. Shepherd', 15], ['Labrador', 14], ['Cat - D?H', 14], ['Pomeranian', 14],
  ['Husky', 13], ['Cat - DSH Siamese', 12], ['Lab X', 10], ['Toy Poodle', 9], ['Golden Retriever', 9],
  ['Yorkshire Terrier', 8], ['Bichon Frise', 8], ['Cat - DSH Russian Blue', 8], ['Terrier X', 8],
  ['Border Collie', 7], ['Cat - D?H Tabby', 7], ['Cat - DLH Ragdoll', 7], ['Corgi', 6], ['Dachshund', 6],
  ['Boston Terrier', 6], ['Miniature Poodle', 6], ['Cat - DMH Tabby', 6], ['Shepherd X', 6],
  ['Cat - DSH Bengal', 5], ['French Bulldog', 5], ['Miniature Pinscher', 5], ['Goldendoodle', 5],
  ['Shih Tzu', 5], ['Cat - DSH British', 5], ['Aust. Shepherd', 5], ['Akita', 4], ['German Shepherd X', 4],
  ['Cat - DLH Tabby', 4], ['Cat - DSH - Grey', 4], ['Cat - Ragdoll', 4], ['Cat - DSH Calico', 4],
  ['Siberian Husky', 4], ['Maltese', 4], ['Bird - Cockatiel', 4], ['Cat - DSH - Black', 4],
  ['Mini Aussie Shepherd', 3], ['Amer. Staffordshire', 3], ['Schnauzer', 3], ['Cockapoo', 3],
  ['Cat - DLH Calico', 3], ['Cat - DSH - Black & White', 3], ['Bernadoodle', 3], ['Cat - DSH - Tuxedo', 3],
  ['Cat - DSH - Calico', 3], ['Cat - D?H - Tabby', 3], ['Cat- DSH', 3],
];
// biome-ignore format: one table row per line reads better than one value per line
export const ANIMAL_COLOURS: Weighted = [
  ['Black', 126], ['White', 71], ['Brown', 49], ['Grey', 47], ['Black & White', 35],
  ['Black and White', 34], ['Golden', 32], ['Orange', 24], ['Grey and White', 20], ['Grey & White', 20],
  ['White & Grey', 13], ['Tan', 12], ['Black and white', 12], ['Black and Brown', 11],
  ['Black & Brown', 11], ['Black & Tan', 10], ['Brindle', 9], ['Brown & White', 8], ['White and Brown', 7],
  ['Orange and white', 7], ['Orange and White', 7], ['Brown & Black', 7], ['Orange & White', 7],
  ['Beige', 7], ['White & Brown', 6], ['Cream', 6], ['Red', 6], ['Brown and White', 5],
  ['Brown and Black', 5], ['Black w/ White', 5], ['Apricot', 5], ['White & Black', 5], ['Black and Tan', 4],
  ['Grey & Brown', 4], ['White & Tan', 4], ['Brown Tabby', 4], ['Beige & White', 4], ['White and Grey', 4],
  ['Orange Tabby', 4], ['Black & Grey', 4], ['Ginger', 4], ['Orange w/white', 3], ['Red and White', 3],
  ['Grey and white', 3], ['Blue Merle', 3], ['Grey/White', 3], ['Black w/white', 3], ['Light Grey', 3],
  ['Gray', 3], ['Tuxedo', 3], ['Brown, Black & White', 3], ['Blonde', 3], ['Dark Grey', 3],
  ['Brown and white', 3], ['Brown/White', 3], ['White w/ Black', 3], ['White and grey', 3],
  ['Brown and black', 3], ['Black w/White', 3], ['Black, grey and white', 2],
];
// biome-ignore format: one table row per line reads better than one value per line
export const ANIMAL_NAMES: Weighted = [
  ['Luna', 15], ['Bella', 9], ['Not Provided', 8], ['Oreo', 8], ['Lucky', 8], ['Oscar', 7], ['Max', 7],
  ['Daisy', 6], ['Peanut', 6], ['Shadow', 6], ['Coco', 6], ['Blue', 6], ['Pepper', 6], ['Ruby', 6],
  ['Mia', 6], ['Buddy', 6], ['Lola', 6], ['Simba', 6], ['Bailey', 5], ['Teddy', 5], ['Pickles', 5],
  ['Leo', 5], ['Maya', 4], ['Unknown', 4], ['Rosie', 4], ['Millie', 4], ['Stella', 4], ['George', 4],
  ['Pixie', 4], ['Kitty', 4], ['Poppy', 4], ['Tofu', 4], ['Penny', 4], ['Sunny', 4], ['Kiki', 4],
  ['Monster', 3], ['Gracie', 3], ['Sky', 3], ['Finn', 3], ['Miso', 3], ['Coconut', 3], ['Loki', 3],
  ['Nico', 3], ['Romeo', 3], ['Baby', 3], ['Joey', 3], ['Olive', 3], ['Mimi', 3], ['Pumpkin', 3],
  ['Chico', 3], ['Kylie', 3], ['Meow', 3], ['Rudy', 3], ['Cookie', 3], ['Callie', 3], ['Pearl', 3],
  ['Rusty', 3], ['Rambo', 3], ['Whiskey', 3], ['Lulu', 3], ['Charlie', 3], ['Kiwi', 3], ['Bentley', 3],
  ['Milo', 3], ['Fluffy', 3], ['Bodhi', 3], ['Pickle', 3], ['Sasha', 3], ['Sadie', 3], ['Dozer', 2],
  ['Ivy', 2], ['Rico', 2], ['Thor', 2], ['Hazel', 2], ['Chia', 2], ['Moose', 2], ['Eddie', 2], ['Maru', 2],
  ['Becky', 2], ['Yano', 2],
];
export const ANIMAL_SEXES: Weighted = [
  ['M/N', 388],
  ['F/S', 324],
  ['M', 242],
  ['F', 200],
  ['X', 25],
  ['', 6],
];
export const ANIMAL_STATES: Weighted = [
  ['Matched', 670],
  ['Lost', 514],
  ['Found', 1],
];

/** Names with quotes in them, which force the export to quote and double (`"Rigel ""Binx"""`). */
export const QUOTED_NAMES: readonly string[] = ['Rigel "Binx"', 'Siip"in', 'Otis aka "Dodo E"', '"Lily"'];

/** Rows per calendar month, January first. */
export const ANIMAL_MONTHS: readonly number[] = [68, 72, 87, 87, 142, 120, 130, 129, 113, 93, 73, 71];
