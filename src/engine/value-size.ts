import {
  type DuckDBArrayType,
  type DuckDBDataChunk,
  type DuckDBListType,
  type DuckDBMapType,
  type DuckDBStructType,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBUnionType,
  DuckDBUTinyIntType,
} from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';

type Vector = ReturnType<typeof bindings.data_chunk_get_vector>;

/**
 * What a fixed-width value can take once printed (a 38-digit decimal, an interval, a timestamp with zone):
 * an upper bound, so the sum over a row never underestimates it.
 */
const FIXED_VALUE_BYTES = 64;
/** Enum members are printed from the type's dictionary, which comes from query text (bounded by its length). */
const ENUM_VALUE_BYTES = 1024;
/** DuckDB's string_t: a 4-byte length, then the bytes inline or a prefix and a pointer; 16 bytes in all. */
const STRING_T_BYTES = 16;

function validity(vector: Vector, count: number): BigUint64Array | undefined {
  const words = Math.ceil(count / 64);
  if (words === 0) return undefined;
  const bytes = bindings.vector_get_validity(vector, words * 8) as Uint8Array | null;
  return bytes ? new BigUint64Array(bytes.buffer, bytes.byteOffset, words) : undefined;
}

function isValid(mask: BigUint64Array | undefined, i: number): boolean {
  if (mask === undefined) return true;
  return (((mask[i >> 6] as bigint) >> BigInt(i & 63)) & 1n) === 1n;
}

/** A NULL's children are not initialised: whatever lengths they hold mean nothing. */
function zeroNulls(vector: Vector, count: number, out: Float64Array): void {
  const mask = validity(vector, count);
  if (mask === undefined) return;
  for (let i = 0; i < count; i++) if (!isValid(mask, i)) out[i] = 0;
}

/**
 * How much longer than its stored bytes a string_t value prints: BLOB as hex (2 characters a byte), BIT as
 * '0'/'1' (8 a byte), BIGNUM in decimal (under 2.5 digits a byte), GEOMETRY as text (a double, 8 bytes, prints
 * in at most 24 characters).
 */
const PRINTED_PER_BYTE: Partial<Record<DuckDBTypeId, number>> = {
  [DuckDBTypeId.BLOB]: 2,
  [DuckDBTypeId.BIT]: 8,
  [DuckDBTypeId.BIGNUM]: 3,
  [DuckDBTypeId.GEOMETRY]: 4,
};

/** Printed sizes of string_t values (VARCHAR, BLOB, BIT, BIGNUM, GEOMETRY), from lengths read without decoding. */
function stringSizes(vector: Vector, count: number, out: Float64Array, perByte: number): void {
  const data = bindings.vector_get_data(vector, count * STRING_T_BYTES);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const mask = validity(vector, count);
  for (let i = 0; i < count; i++) {
    // A NULL's string_t is not initialised; its length means nothing.
    out[i] = isValid(mask, i) ? view.getUint32(i * STRING_T_BYTES, true) * perByte + 2 : 0;
  }
}

/** Per-element sizes of a list-like child, summed into each parent row by its (offset, length) entries. */
function listSizes(vector: Vector, type: DuckDBListType | DuckDBMapType, count: number, out: Float64Array) {
  const data = bindings.vector_get_data(vector, count * 16);
  const entries = new BigUint64Array(data.buffer, data.byteOffset, count * 2);
  const child = bindings.list_vector_get_child(vector);
  const childCount = bindings.list_vector_get_size(vector);
  const childSizes = new Float64Array(childCount);
  if (type.typeId === DuckDBTypeId.MAP) {
    // A MAP is physically a LIST of STRUCT(key, value).
    const map = type as DuckDBMapType;
    structSizes(child, [map.keyType, map.valueType], childCount, childSizes);
  } else vectorSizes(child, (type as DuckDBListType).valueType, childCount, childSizes);
  const prefix = new Float64Array(childCount + 1);
  for (let i = 0; i < childCount; i++) prefix[i + 1] = (prefix[i] as number) + (childSizes[i] as number);
  const mask = validity(vector, count);
  for (let i = 0; i < count; i++) {
    if (!isValid(mask, i)) {
      out[i] = 0;
      continue;
    }
    const offset = Number(entries[i * 2]);
    const length = Number(entries[i * 2 + 1]);
    const end = Math.min(offset + length, childCount);
    out[i] = (prefix[end] as number) - (prefix[Math.min(offset, end)] as number) + 2 * length + 2;
  }
}

function structSizes(vector: Vector, entryTypes: readonly DuckDBType[], count: number, out: Float64Array) {
  out.fill(2);
  const childSizes = new Float64Array(count);
  entryTypes.forEach((entryType, index) => {
    vectorSizes(bindings.struct_vector_get_child(vector, index), entryType, count, childSizes);
    for (let i = 0; i < count; i++) out[i] = (out[i] as number) + (childSizes[i] as number) + 4;
  });
  zeroNulls(vector, count, out);
}

function arraySizes(vector: Vector, type: DuckDBArrayType, count: number, out: Float64Array): void {
  const length = type.length;
  const childCount = count * length;
  const childSizes = new Float64Array(childCount);
  vectorSizes(bindings.array_vector_get_child(vector), type.valueType, childCount, childSizes);
  for (let i = 0; i < count; i++) {
    let sum = 2;
    for (let j = i * length; j < (i + 1) * length; j++) sum += (childSizes[j] as number) + 2;
    out[i] = sum;
  }
  zeroNulls(vector, count, out);
}

/**
 * Fills `out` with each value's size once printed as text (an upper bound for fixed-width types), read from
 * DuckDB's vector memory without turning a single value into a JavaScript string: strings count their bytes,
 * nested values the sum of their parts.
 */
export function vectorSizes(vector: Vector, type: DuckDBType, count: number, out: Float64Array): void {
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.BLOB:
    case DuckDBTypeId.BIT:
    case DuckDBTypeId.BIGNUM:
    case DuckDBTypeId.GEOMETRY:
      stringSizes(vector, count, out, PRINTED_PER_BYTE[type.typeId] ?? 1);
      return;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.MAP:
      listSizes(vector, type as DuckDBListType | DuckDBMapType, count, out);
      return;
    case DuckDBTypeId.STRUCT:
      structSizes(vector, (type as DuckDBStructType).entryTypes, count, out);
      return;
    case DuckDBTypeId.UNION: {
      const union = type as DuckDBUnionType;
      // Physically a STRUCT of a tag and every member.
      structSizes(vector, [DuckDBUTinyIntType.instance, ...union.memberTypes], count, out);
      return;
    }
    case DuckDBTypeId.ARRAY:
      arraySizes(vector, type as DuckDBArrayType, count, out);
      return;
    case DuckDBTypeId.ENUM:
      out.fill(ENUM_VALUE_BYTES, 0, count);
      return;
    case DuckDBTypeId.VARIANT:
      throw new ValueSizeUnknown('VARIANT');
    default:
      out.fill(FIXED_VALUE_BYTES, 0, count);
  }
}

/** A result type whose printed size cannot be bounded without reading it. */
export class ValueSizeUnknown extends Error {
  override readonly name = 'ValueSizeUnknown';
  constructor(readonly typeName: string) {
    super(`Results of type ${typeName} are not supported.`);
  }
}

/**
 * The largest single value and each row's total printed size in a chunk of results. Lets the caller refuse a
 * row too large to handle before any of it is copied into JavaScript.
 */
export function measureChunk(
  chunk: DuckDBDataChunk,
  types: readonly DuckDBType[],
): { rows: Float64Array; largestValue: number } {
  const count = chunk.rowCount;
  const rows = new Float64Array(count);
  const values = new Float64Array(count);
  let largestValue = 0;
  types.forEach((type, column) => {
    vectorSizes(bindings.data_chunk_get_vector(chunk.chunk, column), type, count, values);
    for (let i = 0; i < count; i++) {
      const size = values[i] as number;
      rows[i] = (rows[i] as number) + size + 1;
      if (size > largestValue) largestValue = size;
    }
  });
  return { rows, largestValue };
}
