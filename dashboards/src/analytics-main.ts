// Entry of the /dashboards/analytics.html page.
import './page.css';
import './keel-analytics.js';
