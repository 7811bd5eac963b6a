// Entry of the /dashboards/admin/ back office: sign-in, first-run owner, users, audit, products, stock, import and a small till.
import '../page.css';
import './keel-admin.js';
