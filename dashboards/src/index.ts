// The dashboards package's face for other packages: the API payloads the pages expect.
export type { DashboardSummary, HourlySeries, SalesEvent, StoreRef } from './dashboard-api.js';
