/**
 * How the fleet works: the bundled data, the pure event generator, the state file and the
 * publishing loop. Not a public API; it may change in any release.
 */
package dev.goodput.fleet.internal;
