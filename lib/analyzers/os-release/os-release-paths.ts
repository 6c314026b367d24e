/**
 * Files that identify the OS, in precedence order (first wins). os-release is authoritative; the
 * product-specific release files come before redhat-release because Oracle Linux ships a
 * redhat-release that names RHEL; debian_version and lsb-release are last-resort hints.
 */
export const OS_FILES_BY_PRECEDENCE: readonly string[] = [
  "etc/os-release",
  "usr/lib/os-release",
  "etc/alpine-release",
  "etc/oracle-release",
  "etc/rocky-release",
  "etc/almalinux-release",
  "etc/centos-release",
  "etc/fedora-release",
  "etc/SuSE-release",
  "etc/system-release",
  "etc/redhat-release",
  "etc/debian_version",
  "etc/lsb-release",
];
