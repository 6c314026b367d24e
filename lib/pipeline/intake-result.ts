import type { z } from "zod";
import type { IntakeResult } from "./ecr-events.js";

/** An event that can never become a job: logged and dropped (reasons capped for logs). */
export function invalidIntake(reason: string): IntakeResult {
  return { jobs: [], deletes: [], invalid: reason.slice(0, 1000) };
}

/** A well-formed event that asks for nothing we do. */
export function ignoredIntake(reason: string): IntakeResult {
  return { jobs: [], deletes: [], ignored: reason.slice(0, 300) };
}

/** The first few validation issues as one line: enough to fix the sender, bounded for logs. */
export function zodIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
