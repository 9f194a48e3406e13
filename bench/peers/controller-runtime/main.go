// controller-runtime peer of the operators benchmark (bench/operators.ts): the same Widget workload
// as Operon's bench/systems/operon-widget.ts, written the idiomatic controller-runtime way.
// Widget (bench.example/v1) is handled as unstructured; each Widget gets a ConfigMap, a headless
// Service and a Deployment (controller owner references, CreateOrUpdate from the cache) and the
// status {observedGeneration, children: 3}, written with Status().Update only when it changed.
// Unstructured objects are read from the cache (client.CacheOptions.Unstructured), as typed ones are.
// Workers: BENCH_WORKERS (default 4). Kubeconfig: KUBECONFIG. Metrics and probes are off.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

var widgetGVK = schema.GroupVersionKind{Group: "bench.example", Version: "v1", Kind: "Widget"}

func newWidget() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(widgetGVK)
	return u
}

type reconciler struct {
	client.Client
	scheme *runtime.Scheme
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	w := newWidget()
	if err := r.Get(ctx, req.NamespacedName, w); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if w.GetDeletionTimestamp() != nil {
		return ctrl.Result{}, nil
	}
	data, _, _ := unstructured.NestedString(w.Object, "spec", "data")
	replicas, _, _ := unstructured.NestedInt64(w.Object, "spec", "replicas")
	name := w.GetName()
	labels := map[string]string{"app": "widget", "widget": name}

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.GetNamespace()}}
	if _, err := controllerutil.CreateOrUpdate(ctx, r.Client, cm, func() error {
		cm.Labels = labels
		cm.Data = map[string]string{"data": data}
		return controllerutil.SetControllerReference(w, cm, r.scheme)
	}); err != nil {
		return ctrl.Result{}, err
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.GetNamespace()}}
	if _, err := controllerutil.CreateOrUpdate(ctx, r.Client, svc, func() error {
		svc.Labels = labels
		svc.Spec.ClusterIP = corev1.ClusterIPNone
		svc.Spec.Selector = labels
		if len(svc.Spec.Ports) == 0 {
			svc.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80}}
		}
		return controllerutil.SetControllerReference(w, svc, r.scheme)
	}); err != nil {
		return ctrl.Result{}, err
	}
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.GetNamespace()}}
	if _, err := controllerutil.CreateOrUpdate(ctx, r.Client, dep, func() error {
		dep.Labels = labels
		n := int32(replicas)
		dep.Spec.Replicas = &n
		dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: labels}
		dep.Spec.Template.Labels = labels
		if len(dep.Spec.Template.Spec.Containers) == 0 {
			dep.Spec.Template.Spec.Containers = []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}}
		}
		return controllerutil.SetControllerReference(w, dep, r.scheme)
	}); err != nil {
		return ctrl.Result{}, err
	}

	observed, _, _ := unstructured.NestedInt64(w.Object, "status", "observedGeneration")
	children, _, _ := unstructured.NestedInt64(w.Object, "status", "children")
	if observed != w.GetGeneration() || children != 3 {
		if err := unstructured.SetNestedField(w.Object, w.GetGeneration(), "status", "observedGeneration"); err != nil {
			return ctrl.Result{}, err
		}
		if err := unstructured.SetNestedField(w.Object, int64(3), "status", "children"); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.Status().Update(ctx, w); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{Requeue: true}, nil
			}
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}

func main() {
	workers := 4
	if v, err := strconv.Atoi(os.Getenv("BENCH_WORKERS")); err == nil && v > 0 {
		workers = v
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	cfg := ctrl.GetConfigOrDie()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		// Widget is unstructured: without this, controller-runtime's client reads unstructured
		// objects live from the API server instead of from the informer cache.
		Client:                 client.Options{Cache: &client.CacheOptions{Unstructured: true}},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r := &reconciler{Client: mgr.GetClient(), scheme: scheme}
	err = ctrl.NewControllerManagedBy(mgr).
		For(newWidget()).
		Owns(&corev1.ConfigMap{}).
		Owns(&corev1.Service{}).
		Owns(&appsv1.Deployment{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
