// Entry of the /dashboards/admin/ back office: sign-in, first-run owner, users, audit and a small till.
import '../page.css';
import './keel-admin.js';
