import type { OperatingSystem } from "../../inventory/package.js";

/**
 * End of security support per family and release (the advisory release key), from the
 * distributions' published lifecycles. Debian counts its LTS period; Ubuntu its standard support
 * (ESM is a paid extension); RHEL and its rebuilds their maintenance support. Releases whose dates
 * are not published with certainty are left out: no flag is better than a wrong one.
 */
const END_OF_LIFE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  debian: {
    "7": "2018-05-31",
    "8": "2020-06-30",
    "9": "2022-06-30",
    "10": "2024-06-30",
    "11": "2026-08-31",
    "12": "2028-06-30",
  },
  ubuntu: {
    "14.04": "2019-04-30",
    "16.04": "2021-04-30",
    "18.04": "2023-05-31",
    "20.04": "2025-05-31",
    "20.10": "2021-07-22",
    "21.04": "2022-01-20",
    "21.10": "2022-07-14",
    "22.04": "2027-06-01",
    "22.10": "2023-07-20",
    "23.04": "2024-01-25",
    "23.10": "2024-07-11",
    "24.04": "2029-05-31",
    "24.10": "2025-07-10",
  },
  alpine: {
    "3.3": "2017-11-01",
    "3.4": "2018-05-01",
    "3.5": "2018-11-01",
    "3.6": "2019-05-01",
    "3.7": "2019-11-01",
    "3.8": "2020-05-01",
    "3.9": "2021-01-01",
    "3.10": "2021-05-01",
    "3.11": "2021-11-01",
    "3.12": "2022-05-01",
    "3.13": "2022-11-01",
    "3.14": "2023-05-01",
    "3.15": "2023-11-01",
    "3.16": "2024-05-23",
    "3.17": "2024-11-22",
    "3.18": "2025-05-09",
    "3.19": "2025-11-01",
    "3.20": "2026-04-01",
    "3.21": "2026-11-01",
  },
  rhel: { "6": "2020-11-30", "7": "2024-06-30", "8": "2029-05-31", "9": "2032-05-31" },
  centos: { "6": "2020-11-30", "7": "2024-06-30", "8": "2021-12-31" },
  rocky: { "8": "2029-05-31", "9": "2032-05-31" },
  almalinux: { "8": "2029-03-01", "9": "2032-05-31" },
  ol: { "6": "2021-03-01", "7": "2024-12-31", "8": "2029-07-31", "9": "2032-06-30" },
  amzn: { "2018.03": "2023-12-31", "2": "2026-06-30", "2023": "2029-06-30" },
  fedora: {
    "35": "2022-12-13",
    "36": "2023-05-16",
    "37": "2023-12-05",
    "38": "2024-05-21",
    "39": "2024-11-26",
    "40": "2025-05-13",
  },
  "opensuse-leap": { "15.2": "2022-01-04", "15.3": "2022-12-31", "15.4": "2023-12-07", "15.5": "2024-12-31" },
  photon: { "1.0": "2022-02-28", "2.0": "2022-12-31", "3.0": "2024-03-01" },
  "cbl-mariner": { "1.0": "2023-07-31", "2.0": "2025-07-31" },
};

export function endOfLifeDate(family: string, release: string | undefined): string | undefined {
  return release === undefined ? undefined : END_OF_LIFE[family]?.[release];
}

/** Adds eolDate and eol (relative to `now`) when the release's date is known. */
export function withEndOfLife(os: OperatingSystem, now: Date): OperatingSystem {
  const date = endOfLifeDate(os.family, os.release);
  if (date === undefined) return os;
  return { ...os, eolDate: date, eol: now.getTime() >= Date.parse(`${date}T00:00:00Z`) };
}
