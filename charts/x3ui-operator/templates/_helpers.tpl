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
