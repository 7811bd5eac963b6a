export * from './money.js';
export * from './tax.js';
export * from './cart-totals.js';
export * from './events.js';
export * from './sale.js';
export * from './ids.js';
export * from './permissions.js';
export * from './business-time.js';
