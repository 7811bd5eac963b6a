export interface UnitOptions {
  /** The system user the service runs as. */
  readonly user: string;
  /** Absolute path of the node binary. */
  readonly node: string;
  /** The Keel checkout (the repo root, with node_modules installed and dashboards built). */
  readonly keelDir: string;
  /** The only directory Keel may write (databases, warehouse, backups). */
  readonly dataDir: string;
  /** The environment file holding Keel's configuration and secrets (mode 0600). */
  readonly envFile: string;
  /** Bound for a graceful stop; systemd kills the process after it. */
  readonly stopTimeoutSec: number;
}

/**
 * The systemd unit for Keel: starts at boot after the network (and PostgreSQL/NATS when they run on
 * this machine), restarts on failure, logs to the journal, and runs sandboxed: no new privileges, no
 * capabilities, a read-only system and home, a private /tmp, and only its data directory writable.
 */
export function systemdUnit(o: UnitOptions): string {
  return `# Keel point of sale, written by \`npx keel service install\`. Local changes: systemctl edit keel
[Unit]
Description=Keel point of sale
Documentation=file://${o.keelDir}/docs/operations.md
Wants=network-online.target
After=network-online.target postgresql.service nats-server.service
# Keep retrying through a long outage (a database being restored, say): at most 20 starts in 5 minutes.
StartLimitIntervalSec=300
StartLimitBurst=20

[Service]
Type=simple
User=${o.user}
Group=${o.user}
WorkingDirectory=${o.keelDir}
EnvironmentFile=${o.envFile}
Environment=NODE_ENV=production
ExecStart=${o.node} --import tsx ${o.keelDir}/transactional/src/main.ts
KillSignal=SIGTERM
TimeoutStopSec=${o.stopTimeoutSec}
Restart=on-failure
RestartSec=2
StandardOutput=journal
StandardError=journal
SyslogIdentifier=keel
UMask=0077
LimitNOFILE=65536

# Hardening
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
RemoveIPC=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native
SystemCallFilter=@system-service
# A call outside the filter fails with EPERM instead of killing Keel: libuv then falls back from io_uring.
SystemCallErrorNumber=EPERM
ReadWritePaths=${o.dataDir}

[Install]
WantedBy=multi-user.target
`;
}
