{{/* Common labels. */}}
{{- define "switchyard.labels" -}}
app.kubernetes.io/part-of: switchyard
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* A model id as a DNS-1123 name: qwen2.5-7b-instruct -> qwen2-5-7b-instruct. */}}
{{- define "switchyard.modelName" -}}
{{- . | lower | replace "." "-" | replace "_" "-" | trunc 50 | trimSuffix "-" -}}
{{- end }}

{{/* Production models of the catalogue (files/models.json = backends/models.json), as a list. */}}
{{- define "switchyard.productionModels" -}}
{{- $catalogue := .Files.Get "files/models.json" | fromJson -}}
{{- $out := list -}}
{{- range $catalogue.models -}}
{{- if eq .kind "production" -}}{{- $out = append $out . -}}{{- end -}}
{{- end -}}
{{- dict "models" $out | toJson -}}
{{- end }}

{{/* The catalogue entry with this id (for dev stand-ins). */}}
{{- define "switchyard.catalogueEntry" -}}
{{- $catalogue := .root.Files.Get "files/models.json" | fromJson -}}
{{- $found := dict -}}
{{- range $catalogue.models -}}{{- if eq .id $.id -}}{{- $found = . -}}{{- end -}}{{- end -}}
{{- $found | toJson -}}
{{- end }}

{{/* Secret env var from the existing Secret. */}}
{{- define "switchyard.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.existingSecret }}
      key: {{ .name }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/* hf:owner/repo/path/file.gguf -> the file's download URL. */}}
{{- define "switchyard.sourceUrl" -}}
{{- if hasPrefix "hf:" . -}}
{{- $parts := splitn "/" 3 (trimPrefix "hf:" .) -}}
{{- printf "https://huggingface.co/%s/%s/resolve/main/%s" $parts._0 $parts._1 $parts._2 -}}
{{- end -}}
{{- end }}
