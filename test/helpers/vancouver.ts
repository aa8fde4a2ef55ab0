import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The real City of Vancouver samples, read where they are (never copied into the project). */
export const SAMPLES_DIR =
  process.env.SEAWALL_SAMPLES_DIR ??
  join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'vancouver');

export const SAMPLE_FILES = {
  parking_tickets: join(SAMPLES_DIR, 'parking-tickets', 'parking_tickets_2023_2024_sample.jsonl'),
  lost_animals: join(SAMPLES_DIR, 'lost-animals', 'animal-control-inventory-lost-and-found.csv'),
  service_requests_311: join(SAMPLES_DIR, '3-1-1-service-requests', 'raw_311.csv'),
  business_licences: join(SAMPLES_DIR, 'business-licences', 'business-licences-restaurants.csv'),
} as const;

export function samplesAvailable(): boolean {
  return Object.values(SAMPLE_FILES).every((file) => existsSync(file));
}
