// Entry of the /dashboards/ page: page-wide styles and the elements it uses.
import './page.css';
import './keel-dashboard.js';
import './keel-hourly-chart.js';
import './keel-stat.js';
