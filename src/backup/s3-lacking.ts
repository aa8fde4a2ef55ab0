import { blobName } from './backup-store.js';
import type { BlobCatalog } from './blob-catalog.js';

/**
 * The blobs `catalog` records that `listed` (a backup's blob objects in S3's order, by key) lacks or holds at
 * another size. A blob's key is `blobs/<its first two digits>/<id>`, so S3's order is the catalog's order by id:
 * one walk of the listing beside the catalog, a ListObjectsV2 page per thousand blobs rather than a HEAD each,
 * holding in memory only what is lacking.
 */
export async function lackingObjects(
  catalog: BlobCatalog,
  listed: AsyncIterable<{ name: string; bytes: number }>,
): Promise<Set<string>> {
  const lacking = new Set<string>();
  const objects = listed[Symbol.asyncIterator]();
  let next = await objects.next();
  for (const { id, bytes } of catalog.all()) {
    const name = blobName(id);
    while (!next.done && next.value.name < name) next = await objects.next();
    if (next.done || next.value.name !== name || next.value.bytes !== bytes) lacking.add(id);
  }
  return lacking;
}
