/** Debian codenames → the release number OSV puts in the ecosystem ("Debian:12"). */
const RELEASES: Record<string, string> = {
  buzz: "1.1",
  rex: "1.2",
  bo: "1.3",
  hamm: "2.0",
  slink: "2.1",
  potato: "2.2",
  woody: "3.0",
  sarge: "3.1",
  etch: "4",
  lenny: "5",
  squeeze: "6",
  wheezy: "7",
  jessie: "8",
  stretch: "9",
  buster: "10",
  bullseye: "11",
  bookworm: "12",
  trixie: "13",
  forky: "14",
  duke: "15",
};

/**
 * The ecosystem for a tracker release name, or undefined for names we cannot place. sid has no
 * number: it becomes "Debian:sid", which os-release detection reports for unstable images.
 */
export function debianEcosystem(codename: string): string | undefined {
  const name = codename.toLowerCase();
  if (name === "sid" || name === "unstable") return "Debian:sid";
  const number = RELEASES[name];
  return number ? `Debian:${number}` : undefined;
}
