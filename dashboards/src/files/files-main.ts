// Entry of the /dashboards/files/ page: the store's shared documents (browse, upload, trash, versions).
import '../page.css';
import './keel-files-app.js';
