// The parts of the Kubernetes and Kueue objects the executor reads, in their JSON wire format
// (what the API server returns and fixtures/ records). Everything else is passed through untyped.

export interface KubeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface KubeMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface KubeJob {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: KubeMeta;
  spec: { suspend?: boolean; [key: string]: unknown };
  status?: {
    active?: number;
    terminating?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    conditions?: KubeCondition[];
  };
}

export interface KubeWorkload {
  apiVersion: string;
  kind: 'Workload';
  metadata: KubeMeta;
  spec?: Record<string, unknown>;
  status?: { conditions?: KubeCondition[]; admission?: { clusterQueue?: string } };
}

export interface KubeContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string; signal?: number };
}

export interface KubePod {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  spec?: { nodeName?: string; [key: string]: unknown };
  status?: {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    reason?: string;
    conditions?: KubeCondition[];
    containerStatuses?: Array<{ name: string; state?: KubeContainerState; lastState?: KubeContainerState }>;
  };
}

/** A condition of this type with status True, if any. */
export function trueCondition(conditions: KubeCondition[] | undefined, type: string): KubeCondition | undefined {
  return conditions?.find((c) => c.type === type && c.status === 'True');
}
