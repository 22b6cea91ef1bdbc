/**
 * The simulated fleet of model servers behind {@code goodput demo}: {@link
 * dev.goodput.fleet.api.Fleet} publishes replayed real requests, {@link
 * dev.goodput.fleet.api.FleetConfig} holds its settings.
 */
package dev.goodput.fleet.api;
