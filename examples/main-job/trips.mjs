/**
 * A deterministic generator of taxi trips, streamed in Arrow record batches so that a large
 * dataset is never built whole in memory.
 */
import {
  Field,
  Float64,
  Int8,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';

export const tripSchema = new Schema([
  new Field('trip_id', new Int64(), false),
  new Field('vendor', new Utf8(), false),
  new Field('pickup_at', new TimestampMillisecond('UTC'), false),
  new Field('passengers', new Int8(), false),
  new Field('distance_km', new Float64(), false),
  new Field('fare', new Float64(), true),
]);

const VENDORS = ['CityCab', 'Yellow', 'GreenRide', 'Metro', 'NightOwl'];
const START = Date.UTC(2026, 0, 1);

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same trips. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields `rows` trips in batches of `batchRows`. */
export function* generateTrips({ rows, batchRows = 100_000, seed = 42 }) {
  const next = random(seed);
  for (let offset = 0; offset < rows; offset += batchRows) {
    const length = Math.min(batchRows, rows - offset);
    const ids = new BigInt64Array(length);
    const vendors = new Array(length);
    const pickups = new Array(length);
    const passengers = new Int8Array(length);
    const distances = new Float64Array(length);
    const fares = new Array(length);
    for (let index = 0; index < length; index += 1) {
      const id = offset + index;
      ids[index] = BigInt(id);
      vendors[index] = VENDORS[Math.floor(next() * VENDORS.length)];
      pickups[index] = START + id * 1000 + Math.floor(next() * 1000);
      passengers[index] = 1 + Math.floor(next() * 4);
      distances[index] = Math.round(next() * 2500) / 100;
      fares[index] = next() < 0.02 ? null : Math.round((3 + distances[index] * 1.8) * 100) / 100;
    }
    const columns = [
      vectorFromArray(ids, new Int64()),
      vectorFromArray(vendors, new Utf8()),
      vectorFromArray(pickups, new TimestampMillisecond('UTC')),
      vectorFromArray(passengers, new Int8()),
      vectorFromArray(distances, new Float64()),
      vectorFromArray(fares, new Float64()),
    ];
    yield new RecordBatch(
      tripSchema,
      makeData({
        type: new Struct(tripSchema.fields),
        length,
        nullCount: 0,
        children: columns.map((column) => column.data[0]),
      }),
    );
  }
}
