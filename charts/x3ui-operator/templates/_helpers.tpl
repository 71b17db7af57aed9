{{/* The chart's name, at most 63 characters (a DNS label). */}}
{{- define "x3ui-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, at most 63 characters; the release name alone when it already holds the chart's. */}}
{{- define "x3ui-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The full name with a suffix ("-metrics"), still at most 63 characters. */}}
{{- define "x3ui-operator.suffixed" -}}
{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "x3ui-operator.fullname" (index . 0) | trunc (int (sub 62 (len $suffix)))) $suffix | trimSuffix "-" }}
{{- end }}

{{- define "x3ui-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "x3ui-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "x3ui-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "x3ui-operator.labels" -}}
helm.sh/chart: {{ include "x3ui-operator.chart" . }}
{{ include "x3ui-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: x3ui-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "x3ui-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "x3ui-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Leader election: asked for, or needed because more than one replica runs. */}}
{{- define "x3ui-operator.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{- end }}
{{- end }}

{{/*
The namespaces the operator serves, as a JSON list: watchNamespaces, or the release's namespace
when it is empty. The operator watches one namespace (its --namespace flag), so more than one
fails the render; rbac.clusterWide serves every namespace instead.
*/}}
{{- define "x3ui-operator.watchNamespaces" -}}
{{- $list := .Values.watchNamespaces | default (list .Release.Namespace) }}
{{- if and (not .Values.rbac.clusterWide) (gt (len $list) 1) }}
{{- fail (printf "watchNamespaces: the operator watches one namespace (--namespace), got %d (%s); install one release per namespace, or set rbac.clusterWide=true to serve them all" (len $list) (join ", " $list)) }}
{{- end }}
{{- toJson $list }}
{{- end }}

{{/*
The operator's grants, one rule per line of README.md's list; the same in the Role of each
namespace served and in the cluster-wide ClusterRole.
*/}}
{{- define "x3ui-operator.rules" -}}
- apiGroups: [x3ui.io]
  resources: [vpnnodes]
  verbs: [get, list, watch, update]
- apiGroups: [x3ui.io]
  resources: [vpnassignments]  # read from the informer's cache only: no get
  verbs: [list, watch, update]
- apiGroups: [x3ui.io]
  resources: [vpnmigrations]
  verbs: [get, list, watch]
- apiGroups: [x3ui.io]
  resources: [vpnnodes/status, vpnassignments/status, vpnmigrations/status]
  verbs: [update]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, create, update]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end }}

{{/* True when /metrics listens on loopback only, which nothing outside the pod reaches. */}}
{{- define "x3ui-operator.metricsOnLoopback" -}}
{{- $addr := .Values.metrics.bindAddress }}
{{- if or (hasPrefix "127." $addr) (hasPrefix "localhost:" $addr) (hasPrefix "[::1]:" $addr) }}true{{- end }}
{{- end }}

{{/* The metrics port number, from metrics.bindAddress (host:port or :port). */}}
{{- define "x3ui-operator.metricsPort" -}}
{{- regexReplaceAll "^.*:" .Values.metrics.bindAddress "" }}
{{- end }}

{{/*
The subscription server's labels. Its selector names "<chart>-subscriptions", so the operator's
Deployment, PodDisruptionBudget and NetworkPolicy (which select the chart's name) never select its
pods, nor its selector theirs.
*/}}
{{- define "x3ui-operator.subscriptionsSelectorLabels" -}}
app.kubernetes.io/name: {{ include "x3ui-operator.name" . | trunc 49 | trimSuffix "-" }}-subscriptions
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "x3ui-operator.subscriptionsLabels" -}}
helm.sh/chart: {{ include "x3ui-operator.chart" . }}
{{ include "x3ui-operator.subscriptionsSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: subscriptions
app.kubernetes.io/part-of: x3ui-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "x3ui-operator.subscriptionsName" -}}
{{- include "x3ui-operator.suffixed" (list . "subscriptions") }}
{{- end }}

{{/*
The public prefix of the users' subscription URLs (the operator's --subscription-base-url):
subscriptions.baseUrl, else https://<ingress host>/sub/ when the chart's Ingress is on. With the
server on and neither set, the render fails: the URL in each user's Secret is what apps poll.
*/}}
{{- define "x3ui-operator.subscriptionBaseUrl" -}}
{{- $s := .Values.subscriptions }}
{{- if $s.baseUrl }}
{{- $s.baseUrl }}
{{- else if and $s.ingress.enabled $s.ingress.host }}
{{- printf "https://%s/sub/" $s.ingress.host }}
{{- else if $s.enabled }}
{{- fail "subscriptions.enabled: set subscriptions.baseUrl (the public prefix users' apps reach, such as https://sub.example.com/sub/) or subscriptions.ingress.enabled with subscriptions.ingress.host" }}
{{- end }}
{{- end }}

{{/* What the subscription server reads, and nothing more: its informers list and watch. */}}
{{- define "x3ui-operator.subscriptionsRules" -}}
- apiGroups: [x3ui.io]
  resources: [vpnassignments, vpnnodes]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [secrets]  # RBAC cannot narrow a list by label: the server selects x3ui.io/user-credentials=true
  verbs: [list, watch]
{{- end }}

{{/* policy/v1 for a PodDisruptionBudget where the cluster serves it (1.21+), else policy/v1beta1. */}}
{{- define "x3ui-operator.pdbApiVersion" -}}
{{- if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" }}policy/v1{{ else }}policy/v1beta1{{ end }}
{{- end }}
