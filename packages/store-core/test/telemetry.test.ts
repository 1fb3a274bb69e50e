import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { expect, it } from 'vitest';
import { MemoryStore, runFlow } from '../src/index.js';
import { trips, uniqueTable } from './helpers.js';

it('sends the same figures to OpenTelemetry when @opentelemetry/api is installed', async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

  const store = new MemoryStore({ table: uniqueTable() });
  await runFlow([trips(0, 12)], store);
  await store.close();
  await reader.forceFlush();

  const exported = exporter
    .getMetrics()
    .flatMap((resource) => resource.scopeMetrics)
    .filter((scope) => scope.scope.name === '@wharf/store-core')
    .flatMap((scope) => scope.metrics);
  const byName = new Map(exported.map((metric) => [metric.descriptor.name, metric]));
  const sum = (
    name: string,
    filter: (attributes: Record<string, unknown>) => boolean = () => true,
  ) =>
    (byName.get(name)?.dataPoints ?? [])
      .filter((point) => filter(point.attributes))
      .reduce((total, point) => total + Number(point.value), 0);

  expect(sum('wharf.store.rows')).toBe(12);
  expect(sum('wharf.store.bytes')).toBe(store.metrics().bytes);
  expect(sum('wharf.store.operations', (attributes) => attributes.operation === 'finish')).toBe(1);
  expect(byName.get('wharf.store.operation.duration')?.dataPoints.length).toBeGreaterThan(0);
});
