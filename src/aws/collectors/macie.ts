/** Reads Macie's state in one region: the session, automated discovery, and the classification jobs. */
import {
  GetAutomatedDiscoveryConfigurationCommand,
  GetMacieSessionCommand,
  type JobSummary,
  ListClassificationJobsCommand,
} from "@aws-sdk/client-macie2";
import type { MacieClassificationJob, MacieInventory } from "../../domain/inventory.js";
import { failed, ok, type Slice } from "../../domain/result.js";
import type { AccountClients } from "../clients.js";
import { attempt, awsErrorCode, toCollectError } from "../errors.js";
import { type Limit, sendOptions } from "./limit.js";

/**
 * Macie answers `AccessDeniedException` both when Macie is off and when the caller lacks permission; only the
 * message tells them apart, and only the first one means "not enabled".
 */
export function isMacieNotEnabled(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code === "ResourceNotFoundException") return true;
  if (code !== "AccessDeniedException" && code !== "AccessDenied") return false;
  const message = error instanceof Error ? error.message : "";
  return /\bnot enabled\b/i.test(message) && !/not authorized/i.test(message);
}

export function toClassificationJob(job: JobSummary): MacieClassificationJob {
  const buckets: string[] = [];
  for (const definition of job.bucketDefinitions ?? []) {
    for (const bucket of definition.buckets ?? []) buckets.push(`${definition.accountId ?? ""}/${bucket}`);
  }
  return {
    jobId: job.jobId ?? "",
    name: job.name ?? "",
    status: job.jobStatus ?? "",
    jobType: job.jobType ?? "",
    buckets,
    matchesByCriteria: job.bucketCriteria !== undefined,
  };
}

export async function collectMacie(
  clients: AccountClients,
  region: string,
  limit: Limit,
): Promise<MacieInventory> {
  const macie = clients.macie(region);
  let session: Slice<{ status: string } | null>;
  try {
    const out = await limit((signal) => macie.send(new GetMacieSessionCommand({}), sendOptions(signal)));
    session = ok({ status: out.status ?? "" });
  } catch (error) {
    session = isMacieNotEnabled(error) ? ok(null) : failed(toCollectError(error, "macie2:GetMacieSession"));
  }
  if (!session.ok) return { session, automatedDiscovery: session, classificationJobs: session };
  if (session.value === null) return { session, automatedDiscovery: ok(null), classificationJobs: ok([]) };

  const [automatedDiscovery, classificationJobs] = await Promise.all([
    attempt("macie2:GetAutomatedDiscoveryConfiguration", () =>
      limit(async (signal) => {
        const out = await macie.send(new GetAutomatedDiscoveryConfigurationCommand({}), sendOptions(signal));
        return { status: out.status ?? "DISABLED" };
      }),
    ),
    attempt("macie2:ListClassificationJobs", async () => {
      const jobs: MacieClassificationJob[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await limit((signal) =>
          macie.send(
            new ListClassificationJobsCommand({ maxResults: 200, ...(token ? { nextToken: token } : {}) }),
            sendOptions(signal),
          ),
        );
        for (const job of page.items ?? []) jobs.push(toClassificationJob(job));
        nextToken = page.nextToken || undefined;
      } while (nextToken !== undefined);
      return jobs;
    }),
  ]);
  return { session, automatedDiscovery, classificationJobs };
}
