#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from "commander";
import { PACKAGE_TYPES, type PackageType } from "../lib/analyzers/select-analyzers.js";
import { isPortcullisError } from "../lib/errors.js";
import type { SeverityLevel } from "../lib/matching/finding.js";
import { parseSeverity, parseSeverityList } from "../lib/policy/policy-options.js";
import { PORTCULLIS_VERSION } from "../lib/version.js";
import { runDbBuild, runDbInfo, runDbUpdate } from "./commands/db.js";
import { runSbom, SBOM_FORMATS } from "./commands/sbom.js";
import { OUTPUT_FORMATS, runScan, SCANNERS, type Scanner, UsageError } from "./commands/scan.js";
import { runServe } from "./commands/serve.js";
import { runSubmit } from "./commands/submit.js";
import { runWatch, WATCH_FORMATS } from "./commands/watch.js";

/** Exit codes: 0 pass, 1 policy failed, 2 error. */
const EXIT_ERROR = 2;

const program = new Command()
  .name("portcullis")
  .description("Scan container images for OS and language packages, vulnerabilities and risky configuration")
  .version(PORTCULLIS_VERSION)
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : EXIT_ERROR);
  });

/** Options that say how to reach and read the image, the same for every command that scans one. */
function addImageOptions(command: Command): Command {
  return command
    .option(
      "--platform <os/arch[/variant]>",
      "platform to pick from a multi-platform image (default: linux/amd64)",
    )
    .option("--insecure", "use plain HTTP for the registry")
    .option("--no-cache", "do not read or write the layer cache")
    .option("--cache-dir <dir>", "layer cache directory (default: $XDG_CACHE_HOME/portcullis)")
    .option("--parallel <n>", "layers downloaded and analysed at once", parsePositiveInt, 3)
    .option("--pkg-types <types>", "package types to look for: os, library, or both", parsePackageTypes, [
      ...PACKAGE_TYPES,
    ])
    .option("--include-lockfiles", "also read lockfiles (package-lock.json, yarn.lock, pnpm-lock.yaml)")
    .option("--no-progress", "no progress bar, even on a terminal");
}

addImageOptions(
  program
    .command("scan")
    .description(
      "scan an image: registry reference, oci:<dir>[:tag], docker-archive:<file>[:name:tag], or an SBOM as sbom:<file>",
    )
    .argument("<image>", "image to scan")
    .addOption(new Option("-f, --format <format>", "output format").choices(OUTPUT_FORMATS).default("table"))
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .option("--db <file>", "vulnerability DB (default: the one `portcullis db update` keeps in the cache)")
    .option("--skip-db", "list packages only, without matching vulnerabilities")
    .option("--scanners <list>", "what to look for: vuln, secret, config", parseScanners, [...SCANNERS])
    .option("--severity <list>", "report only these severities, e.g. CRITICAL,HIGH", parseSeverities)
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding of this severity or above remains",
      parseOneSeverity,
    )
    .option("--ignore-unfixed", "leave out vulnerabilities that have no fixed version yet")
    .option("--ignorefile <file>", "ignore rules (default: .portcullisignore.yaml here, if present)")
    .option("--no-ignorefile", "do not read .portcullisignore.yaml")
    .option(
      "--vex <file>",
      "OpenVEX document whose not_affected/fixed statements suppress findings (repeatable)",
      collect,
      [],
    )
    .option("--aws-account-id <id>", "Security Hub account for --format asff (default: the ECR image's)")
    .option("--aws-region <region>", "Security Hub region for --format asff (default: the ECR image's)"),
).action(async (image: string, opts) => {
  process.exitCode = await runScan(image, { ...opts, ...(opts.skipDb ? { db: false } : {}) });
});

addImageOptions(
  program
    .command("sbom")
    .description("write an image's SBOM: CycloneDX 1.6 or SPDX 2.3 JSON (sbom:<file> converts an SBOM)")
    .argument("<image>", "image to describe, as for scan")
    .addOption(new Option("-f, --format <format>", "SBOM format").choices(SBOM_FORMATS).default("cyclonedx"))
    .option("-o, --output <file>", "write the SBOM to a file instead of stdout"),
).action(async (image: string, opts) => {
  await runSbom(image, opts);
});

program
  .command("submit")
  .description("ask the deployed pipeline to scan an image now: the same job a push makes, on its scan queue")
  .argument("<image>", "registry reference, by tag or digest")
  .requiredOption("--queue-url <url>", "the scan queue's URL (AWS credentials from the usual chain)")
  .option(
    "--central-account <id>",
    "the central account; other ECR accounts are pulled through their pull role",
  )
  .option(
    "--pull-role-template <arn>",
    "pull role ARN with {account}, e.g. arn:aws:iam::{account}:role/portcullis-ecr-pull",
  )
  .option("--insecure", "use plain HTTP to resolve a tag")
  .action(runSubmit);

const db = program.command("db").description("the vulnerability database: build, update, info");
db.command("build")
  .description(
    "build a DB from local files: OSV JSON/YAML/zip/jsonl, Alpine secdb, Debian tracker, NVD, KEV, EPSS",
  )
  .requiredOption("--source <path>", "a file or directory to import (repeatable)", collect, [])
  .option("-o, --output <file>", "DB file to write (default: the cache location scans use)")
  .action(runDbBuild);
db.command("update")
  .description("download the published feeds, build a new DB and swap it in (the old one stays on failure)")
  .option("--db <file>", "DB file to replace (default: the cache location scans use)")
  .option("--feeds-dir <dir>", "where downloaded feeds are kept")
  .option(
    "--mirror <url>",
    "a mirror serving the feeds in the published layout, used instead of the publishers (repeatable)",
    collect,
    [],
  )
  .action(runDbUpdate);
db.command("info")
  .description("age, sources and counts of the DB")
  .option("--db <file>", "DB file (default: the cache location scans use)")
  .addOption(new Option("-f, --format <format>", "output format").choices(["table", "json"]).default("table"))
  .action(runDbInfo);

program
  .command("serve")
  .description(
    "run the scanning pipeline locally: registry push notifications → scans → local DynamoDB and S3",
  )
  .option("--data-dir <dir>", "where scans, reports and the registry's images are kept")
  .option("--port <n>", "API port on 127.0.0.1 (default: a free one)", parsePort)
  .option("--registry", "start a distribution registry (docker-registry) that notifies this server")
  .option("--registry-port <n>", "port of the started registry (default: a free one)", parsePort)
  .option("--db <file>", "vulnerability DB (default: the one `portcullis db update` keeps, if any)")
  .option("--webhook <url>", "POST each scan result as JSON to this URL")
  .option("--concurrency <n>", "scans at once", parsePositiveInt, 2)
  .option("--policy <file>", "server configuration (YAML or JSON) with per-repository policies")
  .action(runServe);

program
  .command("watch")
  .description(
    "rebuild the DB when source files change, re-match the images `serve` stored, announce new and resolved findings",
  )
  .requiredOption(
    "--source <path>",
    "a file or directory to import, as for db build (repeatable)",
    collect,
    [],
  )
  .option("--data-dir <dir>", "the data dir of `portcullis serve` (stop serve first); the DB is kept in it")
  .option("--interval <seconds>", "seconds between checks", parseInterval, 300)
  .option("--once", "check once and exit (for cron and tests)")
  .option("--webhook <url>", "POST each changed image as JSON to this URL")
  .addOption(new Option("-f, --format <format>", "output format").choices(WATCH_FORMATS).default("text"))
  .action(runWatch);

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgumentError("expected a whole number from 1 to 64");
  return n;
}

function parseInterval(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 86_400)
    throw new InvalidArgumentError("expected whole seconds from 1 to 86400");
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError("expected a port from 1 to 65535");
  return n;
}

function parseScanners(value: string): Scanner[] {
  const scanners = value.split(",").map((t) => t.trim());
  for (const s of scanners) {
    if (!(SCANNERS as readonly string[]).includes(s))
      throw new InvalidArgumentError(`expected a comma-separated list of ${SCANNERS.join(", ")}`);
  }
  return scanners as Scanner[];
}

function parseSeverities(value: string): SeverityLevel[] {
  const levels = parseSeverityList(value);
  if (!levels)
    throw new InvalidArgumentError("expected severities: CRITICAL,HIGH,MEDIUM,LOW,NEGLIGIBLE,UNKNOWN");
  return levels;
}

function parseOneSeverity(value: string): SeverityLevel {
  const level = parseSeverity(value);
  if (!level)
    throw new InvalidArgumentError("expected one of CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE, UNKNOWN");
  return level;
}

function parsePackageTypes(value: string): PackageType[] {
  const types = value.split(",").map((t) => t.trim());
  for (const t of types) {
    if (!(PACKAGE_TYPES as readonly string[]).includes(t)) {
      throw new InvalidArgumentError(`expected a comma-separated list of ${PACKAGE_TYPES.join(", ")}`);
    }
  }
  return types as PackageType[];
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const image = program.args[0] === "scan" || program.args[0] === "sbom" ? program.args[1] : undefined;
  // Messages from sources already start with the image; the others get it in front.
  const named = (message: string) => (!image || message.startsWith(image) ? message : `${image}: ${message}`);
  if (isPortcullisError(err) || err instanceof UsageError) {
    process.stderr.write(`portcullis: ${named(err.message)}\n`);
  } else {
    // Unexpected: still one line, with the stack only when asked for.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`portcullis: ${named(`internal error: ${message}`)}\n`);
    if (process.env.PORTCULLIS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  }
  process.exitCode = EXIT_ERROR;
}
