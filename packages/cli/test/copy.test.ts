import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countMemoryStaging, readMemoryProduction, ValidationError } from '@wharf/store-core';
import { Int64, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy, inspect, parseStoreUrl } from '../src/index.js';

let directory: string;
const quiet = { write: () => true };
const sink = () => {
  const chunks: string[] = [];
  return { write: (text: string) => chunks.push(text), text: () => chunks.join('') };
};

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'wharf-cli-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const memory = (table: string) => `memory:${table}?directory=${directory}`;

describe('wharf copy from files', () => {
  it('copies a CSV file with quotes, line breaks and inferred types', async () => {
    const path = join(directory, 'trips.csv');
    await writeFile(
      path,
      'id,city,fare,paid,at\r\n1,Oslo,12.5,true,2026-01-02T03:04:05Z\r\n2,"Lyon, FR",7,false,2026-01-03\r\n3,"say ""hi""\nthere",,true,\r\n',
    );
    const summary = sink();
    const report = await copy(path, memory('csv_trips'), {
      mode: 'full_drop',
      output: summary,
      progress: quiet,
    });
    expect(report.rows).toBe(3);
    expect(summary.text()).toContain('rows     3');
    const table = await readMemoryProduction(directory, 'csv_trips');
    expect(table.schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      'id:Int64',
      'city:Utf8',
      'fare:Float64',
      'paid:Bool',
      'at:Timestamp<MILLISECOND, UTC>',
    ]);
    expect(table.getChild('city')!.toArray()).toEqual(['Oslo', 'Lyon, FR', 'say "hi"\nthere']);
    expect(table.getChild('fare')!.get(2)).toBeNull();
    expect(table.getChild('at')!.get(0)).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
  });

  it('copies JSON Lines and keeps nested values as JSON text', async () => {
    const path = join(directory, 'events.jsonl');
    await writeFile(
      path,
      '{"id":1,"kind":"click","meta":{"x":1}}\n\n{"id":2,"kind":"view","meta":null}\n',
    );
    await copy(path, memory('jsonl_events'), { output: quiet, progress: quiet });
    const table = await readMemoryProduction(directory, 'jsonl_events');
    expect(table.numRows).toBe(2);
    expect(table.getChild('meta')!.get(0)).toBe('{"x":1}');
    expect(String(table.schema.fields[0]!.type)).toBe('Int64');
  });

  it('copies an Arrow IPC file batch by batch', async () => {
    const path = join(directory, 'data.arrow');
    const source = new Table({
      id: vectorFromArray([1n, 2n, 3n], new Int64()),
      name: vectorFromArray(['a', 'b', 'c'], new Utf8()),
    });
    await writeFile(path, tableToIPC(source, 'file'));
    await copy(path, memory('arrow_data'), { output: quiet, progress: quiet });
    expect((await readMemoryProduction(directory, 'arrow_data')).numRows).toBe(3);
  });

  it('reports a bad CSV line with its number and commits nothing', async () => {
    const path = join(directory, 'bad.csv');
    const rows = [
      'id,value',
      ...Array.from({ length: 1_200 }, (_, index) => `${index},${index}`),
      'x,oops',
    ];
    await writeFile(path, `${rows.join('\n')}\n`);
    const error = await copy(path, memory('bad_rows'), {
      output: quiet,
      progress: quiet,
      batchRows: 500,
    }).catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/bad\.csv:1202 column 'id': "x" is not int64/);
    expect((await readMemoryProduction(directory, 'bad_rows')).numRows).toBe(0);
    expect(await countMemoryStaging(directory, 'bad_rows')).toBe(0);
  });
});

describe('wharf copy between stores', () => {
  it('copies a store that reads back into another, merging by key', async () => {
    const path = join(directory, 'base.csv');
    await writeFile(path, 'id,city\n1,Oslo\n2,Lyon\n');
    await copy(path, memory('from_store'), { output: quiet, progress: quiet });
    await copy(memory('from_store'), memory('to_store'), { output: quiet, progress: quiet });
    await writeFile(path, 'id,city\n2,Lille\n3,Rome\n');
    await copy(path, memory('to_store'), {
      mode: 'merge',
      key: ['id'],
      output: quiet,
      progress: quiet,
    });
    const table = await readMemoryProduction(directory, 'to_store');
    expect(table.numRows).toBe(3);
    expect(table.getChild('city')!.toArray().sort()).toEqual(['Lille', 'Oslo', 'Rome']);
  });

  it('stops on abort without committing anything', async () => {
    const path = join(directory, 'abort.csv');
    await writeFile(path, 'id\n1\n2\n');
    const controller = new AbortController();
    controller.abort(new Error('interrupted by the user'));
    await expect(
      copy(path, memory('aborted'), { signal: controller.signal, output: quiet, progress: quiet }),
    ).rejects.toThrow(/interrupted/);
    expect((await readMemoryProduction(directory, 'aborted')).numRows).toBe(0);
    expect(await countMemoryStaging(directory, 'aborted')).toBe(0);
  });
});

describe('store URLs and inspect', () => {
  it('names the package to install for a backend that is missing, without the password', async () => {
    // store-redis is not among this package's dependencies: it is missing here as for a user.
    const url = parseStoreUrl('redis://:hunter2@localhost:6379?table=t');
    expect(url.packageName).toBe('@wharf/store-redis');
    const failure = url.open();
    await expect(failure).rejects.toThrow(/npm install @wharf\/store-redis/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
    expect(parseStoreUrl('postgres://loader:hunter2@db/prod?table=t').display).toBe(
      'postgres://loader:***@db/prod?table=t',
    );
    expect(() => parseStoreUrl('ftp://x')).toThrow(/unknown store scheme 'ftp:'/);
    expect(() => parseStoreUrl('sqlite:./db.sqlite')).toThrow(/add \?table=/);
  });

  it('inspects schema, rows, committed runs and staging', async () => {
    const path = join(directory, 'inspect.csv');
    await writeFile(path, 'id,city\n1,Oslo\n');
    await copy(path, memory('inspected'), { output: quiet, progress: quiet });
    const output = sink();
    await inspect(memory('inspected'), output);
    expect(output.text()).toMatch(/id\s+Int64/);
    expect(output.text()).toMatch(/rows\s+1/);
    expect(output.text()).toMatch(/committed\s+1 run/);
    expect(output.text()).toMatch(/staging\s+clean/);
  });
});
