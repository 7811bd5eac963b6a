import { openTempChdb } from './temp-chdb.js';
import { describeWarehouseContract } from './warehouse-contract.js';

describeWarehouseContract('chDB', () => openTempChdb('contract'));
