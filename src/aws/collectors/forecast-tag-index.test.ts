/**
 * Forecast tags through the Resource Groups Tagging API (`GetResources`) with `ListTagsForResource` as the
 * fallback: which reads happen, and that a failed read never turns into "no tags".
 */
import {
  DescribeDatasetCommand,
  ForecastClient,
  ListDatasetGroupsCommand,
  ListDatasetImportJobsCommand,
  ListDatasetsCommand,
  ListExplainabilitiesCommand,
  ListExplainabilityExportsCommand,
  ListForecastExportJobsCommand,
  ListForecastsCommand,
  ListMonitorsCommand,
  ListPredictorBacktestExportJobsCommand,
  ListPredictorsCommand,
  ListTagsForResourceCommand,
  ListWhatIfAnalysesCommand,
  ListWhatIfForecastExportsCommand,
  ListWhatIfForecastsCommand,
} from "@aws-sdk/client-forecast";
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  type ResourceTagMapping,
} from "@aws-sdk/client-resource-groups-tagging-api";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { buildAccount, buildContext, withResources } from "../../../test/support/inventory-builders.js";
import { forecastTagsNoSensitiveData } from "../../controls/forecast-tags-no-sensitive-data.js";
import {
  FORECAST_RESOURCE_TYPES,
  type ForecastInventory,
  type ForecastResource,
  type Tag,
} from "../../domain/inventory.js";
import type { CollectError } from "../../domain/result.js";
import {
  collectForecastRegion,
  minimumForecastCalls,
  TAG_INDEX_GRACE_MS,
  TAG_INDEX_TYPES,
  tagSource,
} from "./forecast.js";
import { concurrencyLimit } from "./limit.js";

const forecast = mockClient(ForecastClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const client = new ForecastClient({ region: "us-east-1" });
const taggingClient = new ResourceGroupsTaggingAPIClient({ region: "us-east-1" });
const P = "arn:aws:forecast:us-east-1:123456789012";

const NOW = Date.parse("2026-12-03T12:00:00Z");
const HOUR_AGO = new Date(NOW - 60 * 60 * 1000);
const TWO_MINUTES_AGO = new Date(NOW - 2 * 60 * 1000);

const limit = <T>(fn: () => Promise<T>): Promise<T> => fn();

function awsError(name: string, status = 400) {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

const datasetArn = (i: number) => `${P}:dataset/d${i}`;

/** `n` datasets, all created an hour ago unless `created` says otherwise, and one monitor (not indexed). */
function account(n: number, created: (i: number) => Date | undefined = () => HOUR_AGO) {
  for (const command of [
    ListDatasetGroupsCommand,
    ListDatasetImportJobsCommand,
    ListPredictorsCommand,
    ListPredictorBacktestExportJobsCommand,
    ListForecastsCommand,
    ListForecastExportJobsCommand,
    ListExplainabilitiesCommand,
    ListExplainabilityExportsCommand,
    ListWhatIfAnalysesCommand,
    ListWhatIfForecastsCommand,
    ListWhatIfForecastExportsCommand,
  ] as const) {
    forecast.on(command).resolves({});
  }
  forecast.on(ListDatasetsCommand).resolves({
    Datasets: Array.from({ length: n }, (_, i) => {
      const at = created(i);
      return { DatasetArn: datasetArn(i), DatasetName: `d${i}`, ...(at ? { CreationTime: at } : {}) };
    }),
  });
  forecast.on(DescribeDatasetCommand).resolves({});
  forecast.on(ListMonitorsCommand).resolves({
    Monitors: [{ MonitorArn: `${P}:monitor/m`, MonitorName: "m", CreationTime: HOUR_AGO }],
  });
}

/** `GetResources` answers `mappings` in pages of 100, with tokens "p1", "p2" … and "" after the last. */
function index(mappings: ResourceTagMapping[]) {
  const pages: ResourceTagMapping[][] = [];
  for (let i = 0; i < mappings.length; i += 100) pages.push(mappings.slice(i, i + 100));
  if (pages.length === 0) pages.push([]);
  tagging.on(GetResourcesCommand).callsFake((input: { PaginationToken?: string }) => {
    const at = input.PaginationToken ? Number(input.PaginationToken.slice(1)) : 0;
    return {
      ResourceTagMappingList: pages[at],
      PaginationToken: at + 1 < pages.length ? `p${at + 1}` : "",
    };
  });
}

const tagged = (arn: string, tags: Tag[]): ResourceTagMapping => ({
  ResourceARN: arn,
  Tags: tags.map((t) => ({ Key: t.key, Value: t.value })),
});

function collect(options: { onTagIndexFailed?: (error: CollectError) => void; withIndex?: boolean } = {}) {
  return collectForecastRegion(client, {
    limit,
    now: () => NOW,
    ...(options.withIndex === false ? {} : { tagging: taggingClient }),
    ...(options.onTagIndexFailed ? { onTagIndexFailed: options.onTagIndexFailed } : {}),
  });
}

function all(inventory: ForecastInventory): ForecastResource[] {
  return Object.values(inventory).flatMap((slice) => {
    if (!slice.ok) throw new Error(`a type failed: ${slice.error.code}`);
    return slice.value;
  });
}

const tagReads = () =>
  forecast.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input.ResourceArn);

const findingsOf = (inventory: ForecastInventory) =>
  forecastTagsNoSensitiveData
    .evaluate(buildContext(withResources(buildAccount(), all(inventory))))
    .map((f) => ({ status: f.status, detail: f.detail }))
    .sort((a, b) => a.detail.localeCompare(b.detail));

const SECRET: Tag = { key: "owner", value: "jane.doe@example.com" };

beforeEach(() => {
  forecast.reset();
  tagging.reset();
  forecast.on(ListTagsForResourceCommand).resolves({ Tags: [] });
});

describe("Forecast tags through GetResources", () => {
  it("reads 250 indexed resources in 3 pages of 100 and makes no ListTagsForResource call for them", async () => {
    account(250);
    index(Array.from({ length: 250 }, (_, i) => tagged(datasetArn(i), [{ key: "n", value: `${i}` }])));

    const inventory = await collect();

    const calls = tagging.commandCalls(GetResourcesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.PaginationToken)).toEqual([undefined, "p1", "p2"]);
    for (const input of calls) {
      expect(input.ResourcesPerPage).toBe(100);
      expect([...(input.ResourceTypeFilters ?? [])].sort()).toEqual(Object.values(TAG_INDEX_TYPES).sort());
    }
    const datasets = all(inventory).filter((r) => r.type === "dataset");
    expect(datasets).toHaveLength(250);
    expect(datasets.find((r) => r.arn === datasetArn(249))?.tags).toEqual({
      ok: true,
      value: [{ key: "n", value: "249" }],
    });
    // Only the monitor, a type the Tagging API does not index, is read per resource.
    expect(tagReads()).toEqual([`${P}:monitor/m`]);
  });

  it("reads the index's pages ahead of the queued Describe calls that wait for it (urgent in the region's limiter)", async () => {
    account(250);
    index(Array.from({ length: 250 }, (_, i) => tagged(datasetArn(i), [{ key: "n", value: `${i}` }])));
    // The order calls are sent in, through the product's limiter at one call at a time.
    const sent: string[] = [];
    const pages = tagging.commandCalls(GetResourcesCommand);
    tagging.on(GetResourcesCommand).callsFake((input: { PaginationToken?: string }) => {
      sent.push(`index ${input.PaginationToken ?? "p0"}`);
      const at = input.PaginationToken ? Number(input.PaginationToken.slice(1)) : 0;
      return {
        ResourceTagMappingList: Array.from({ length: Math.min(100, 250 - at * 100) }, (_, i) =>
          tagged(datasetArn(at * 100 + i), [{ key: "n", value: `${at * 100 + i}` }]),
        ),
        PaginationToken: at < 2 ? `p${at + 1}` : "",
      };
    });
    forecast.on(DescribeDatasetCommand).callsFake(() => {
      sent.push("describe");
      return {};
    });
    expect(pages).toHaveLength(0);

    const inventory = await collectForecastRegion(client, {
      limit: concurrencyLimit(1),
      now: () => NOW,
      tagging: taggingClient,
    });

    expect(all(inventory).filter((r) => r.type === "dataset")).toHaveLength(250);
    const lastPage = sent.indexOf("index p2");
    const describesBefore = sent.slice(0, lastPage).filter((c) => c === "describe").length;
    // First in first out, the last page would wait behind all 250 Describe calls the first list queued.
    expect(lastPage).toBeGreaterThan(0);
    expect(describesBefore).toBeLessThanOrEqual(2);
    expect(sent.filter((c) => c === "describe")).toHaveLength(250);
  });

  it("takes a listed resource's tags from the index (a sensitive tag fails) and an unlisted old one as untagged", async () => {
    account(2);
    index([tagged(datasetArn(0), [SECRET])]);
    // Per resource, both would say otherwise: the index is what is read.
    forecast.on(ListTagsForResourceCommand).rejects(awsError("AccessDeniedException", 403));

    const inventory = await collect();

    expect(tagReads()).toEqual([`${P}:monitor/m`]);
    const byArn = new Map(all(inventory).map((r) => [r.arn, r]));
    expect(byArn.get(datasetArn(0))?.tags).toEqual({ ok: true, value: [SECRET] });
    expect(byArn.get(datasetArn(1))?.tags).toEqual({ ok: true, value: [] });
    const statuses = findingsOf(inventory).filter((f) => /dataset/i.test(f.detail));
    expect(statuses.map((f) => f.status).sort()).toEqual(["FAIL", "PASS"]);
  });

  it("GetResources denied: notes the failure, reads every resource's tags per resource, and finds the same", async () => {
    account(3);
    const tags: Record<string, Tag[]> = {
      [datasetArn(0)]: [SECRET],
      [datasetArn(1)]: [{ key: "team", value: "x" }],
    };
    forecast.on(ListTagsForResourceCommand).callsFake((input: { ResourceArn: string }) => ({
      Tags: (tags[input.ResourceArn] ?? []).map((t) => ({ Key: t.key, Value: t.value })),
    }));
    index(Object.entries(tags).map(([arn, t]) => tagged(arn, t)));
    const withIndex = findingsOf(await collect());
    expect(tagReads()).toEqual([`${P}:monitor/m`]);

    forecast.resetHistory();
    tagging.reset();
    tagging.on(GetResourcesCommand).rejects(awsError("AccessDeniedException", 403));
    const notes: CollectError[] = [];
    const fallback = await collect({ onTagIndexFailed: (e) => notes.push(e) });

    expect(notes).toEqual([
      expect.objectContaining({ code: "AccessDeniedException", action: "tag:GetResources" }),
    ]);
    expect(tagReads().sort()).toEqual([datasetArn(0), datasetArn(1), datasetArn(2), `${P}:monitor/m`].sort());
    expect(findingsOf(fallback)).toEqual(withIndex);
    expect(withIndex.filter((f) => f.status === "FAIL")).toHaveLength(1);
  });

  it("GetResources and ListTagsForResource both denied: an evidence gap (ERROR), never PASS", async () => {
    account(2);
    tagging.on(GetResourcesCommand).rejects(awsError("AccessDeniedException", 403));
    forecast.on(ListTagsForResourceCommand).rejects(awsError("AccessDeniedException", 403));

    const inventory = await collect();

    for (const resource of all(inventory)) expect(resource.tags.ok).toBe(false);
    const findings = findingsOf(inventory);
    expect(findings).toHaveLength(3);
    expect(findings.every((f) => f.status === "ERROR")).toBe(true);
  });

  it("a failed later page discards the whole index: no resource is read as untagged from a partial index", async () => {
    account(150);
    index(Array.from({ length: 150 }, (_, i) => tagged(datasetArn(i), [])));
    tagging.on(GetResourcesCommand, { PaginationToken: "p1" }).rejects(awsError("ThrottlingException", 400));

    const notes: CollectError[] = [];
    const inventory = await collect({ onTagIndexFailed: (e) => notes.push(e) });

    expect(notes.map((n) => n.code)).toEqual(["ThrottlingException"]);
    expect(tagReads()).toHaveLength(151);
    expect(all(inventory).every((r) => r.tags.ok)).toBe(true);
  });

  it("a repeated pagination token fails the index, and tags fall back per resource", async () => {
    account(1);
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [], PaginationToken: "same" });

    const notes: CollectError[] = [];
    await collect({ onTagIndexFailed: (e) => notes.push(e) });

    expect(notes.map((n) => n.code)).toEqual(["PaginationLoop"]);
    expect(tagReads().sort()).toEqual([datasetArn(0), `${P}:monitor/m`].sort());
  });

  it("an unlisted resource created 2 minutes ago (or with no CreationTime) is read per resource, and its sensitive tag fails", async () => {
    account(3, (i) => (i === 0 ? TWO_MINUTES_AGO : i === 1 ? undefined : HOUR_AGO));
    index([]);
    forecast
      .on(ListTagsForResourceCommand, { ResourceArn: datasetArn(0) })
      .resolves({ Tags: [{ Key: SECRET.key, Value: SECRET.value }] });

    const inventory = await collect();

    expect(tagReads().sort()).toEqual([datasetArn(0), datasetArn(1), `${P}:monitor/m`].sort());
    const fails = findingsOf(inventory).filter((f) => f.status === "FAIL");
    expect(fails).toHaveLength(1);
    expect(fails[0]?.detail).toContain('"d0"');
  });

  it("without a tagging client every resource is read per resource, as before", async () => {
    account(2);
    await collect({ withIndex: false });
    expect(tagging.commandCalls(GetResourcesCommand)).toHaveLength(0);
    expect(tagReads()).toHaveLength(3);
  });
});

describe("tagSource", () => {
  const arn = datasetArn(0);
  it("is the whole rule", () => {
    const idx = new Map([[arn, [SECRET]]]);
    expect(tagSource(undefined, { arn, created: HOUR_AGO }, NOW)).toEqual({ from: "resource" });
    expect(tagSource(idx, { arn, created: TWO_MINUTES_AGO }, NOW)).toEqual({ from: "index", tags: [SECRET] });
    const other = datasetArn(1);
    expect(tagSource(idx, { arn: other, created: HOUR_AGO }, NOW)).toEqual({ from: "index", tags: [] });
    expect(tagSource(idx, { arn: other, created: TWO_MINUTES_AGO }, NOW)).toEqual({ from: "resource" });
    expect(tagSource(idx, { arn: other }, NOW)).toEqual({ from: "resource" });
    const edge = new Date(NOW - TAG_INDEX_GRACE_MS);
    expect(tagSource(idx, { arn: other, created: edge }, NOW)).toEqual({ from: "index", tags: [] });
  });
});

describe("minimumForecastCalls with the tag index", () => {
  it("replaces the indexed types' ListTagsForResource with ⌈indexed / 100⌉ GetResources pages", () => {
    const counts = Object.fromEntries(FORECAST_RESOURCE_TYPES.map((t) => [t, 10]));
    const before = minimumForecastCalls(counts);
    const after = minimumForecastCalls(counts, { tagIndex: { indexed: 70 } });
    expect(before.ListTagsForResource).toBe(130);
    expect(after.ListTagsForResource).toBe(60);
    expect(after.GetResources).toBe(1);
    expect(minimumForecastCalls(counts, { tagIndex: { indexed: 0 } }).GetResources).toBe(1);
    expect(minimumForecastCalls(counts, { tagIndex: { indexed: 201 } }).GetResources).toBe(3);
  });
});
