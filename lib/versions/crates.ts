// crates.io versions are SemVer 2.0 (Cargo's semver crate): plain precedence, build ignored.
export { compare, isValid } from "./semver.js";
