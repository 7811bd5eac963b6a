export * from './business-time.js';
export * from './cart-totals.js';
export * from './events.js';
export * from './ids.js';
export * from './money.js';
export * from './permissions.js';
export * from './sale.js';
export * from './tax.js';
